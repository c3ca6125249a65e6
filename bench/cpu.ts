import { readFileSync } from 'node:fs';

/** CPU seconds (user + system) a process or thread has used, from its /proc stat file; 0 once gone. */
export function statCpuSeconds(path: string): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(path, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) a process's main thread has used so far. */
export function mainThreadCpuSeconds(pid: number): number {
  return statCpuSeconds(`/proc/${pid}/task/${pid}/stat`);
}

/** CPU seconds (user + system) these processes have used so far. */
export function cpuSeconds(pids: number[]): number {
  return pids.reduce((sum, p) => sum + statCpuSeconds(`/proc/${p}/stat`), 0);
}
