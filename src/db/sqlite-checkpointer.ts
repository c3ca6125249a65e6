import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Checkpoints a SQLite WAL database from a worker thread with its own connection, so the server's
 * thread never copies pages into the database file or waits for an fsync. Each of a checkpoint's
 * two fsyncs costs ~10 µs per dirty page here; when the server's own connection checkpointed, every
 * request stalled for 10-45 ms, several times a second, under constant order creation.
 *
 * A PASSIVE checkpoint never blocks writers, but under constant writes it never copies the last
 * frames either, and the WAL only starts over once every frame is copied. So when the WAL holds
 * RESTART_PAGES, the server asks the worker to prepare a restart: the worker catches up while
 * writes go on, then says it is ready; between two transactions the server holds its connection
 * (asynchronously: requests keep being parsed and queue up), the worker copies the few frames
 * written meanwhile and starts the WAL over (RESTART), and the queue goes on. The pause is one
 * small checkpoint: 3-8 ms, a few times a second under constant order creation.
 *
 * The server's connection keeps SQLite's own checkpoint as a backstop at BACKSTOP_CHECKPOINT_PAGES,
 * should the worker fail.
 */
export const RESTART_PAGES = 8_000;
export const BACKSTOP_CHECKPOINT_PAGES = 40_000;
const INTERVAL_MS = 10;
/** Catching up, the worker is ready for the pause once a round copied no more than this. */
const PAUSE_PAGES = 200;
/** A restart the worker does not finish in this time is given up: writes go on, the WAL grows. */
const RESTART_TIMEOUT_MS = 500;

// Shared memory between the threads: the WAL's length in frames, and whether the worker is ready.
const FRAMES = 0;
const READY = 1;

const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');

// Plain JavaScript, evaluated in the worker: no TypeScript loader needed there.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.driverPath);
const db = new SQLite(workerData.path);
// Never wait for a lock: a restart that finds a reader in its way is tried again later.
db.pragma('busy_timeout = 0');
const shared = new Int32Array(workerData.shared);
let timer;
let copiedBefore = 0;
/** The number of frames it copied, or -1 if it could not run. */
function checkpoint(mode) {
  try {
    const [result] = db.pragma('wal_checkpoint(' + mode + ')');
    if (result.busy) return -1;
    Atomics.store(shared, ${FRAMES}, mode === 'RESTART' ? 0 : result.log);
    const copied = result.checkpointed - copiedBefore;
    copiedBefore = mode === 'RESTART' ? 0 : result.checkpointed;
    return copied;
  } catch {
    return -1; // busy or closing: the next tick tries again
  }
}
function tick() {
  checkpoint('PASSIVE');
  timer = setTimeout(tick, workerData.intervalMs);
}
function stopTicking() {
  clearTimeout(timer);
}
tick();
parentPort.on('message', (message) => {
  stopTicking();
  if (message === 'prepare') {
    // Each round copies what was written during the one before; a few make the last one short.
    for (let round = 0; round < 5 && checkpoint('PASSIVE') > ${PAUSE_PAGES}; round++);
    Atomics.store(shared, ${READY}, 1);
    timer = setTimeout(tick, workerData.intervalMs);
  } else if (message === 'restart') {
    // The server holds its writes now, so this copies every frame and can start the WAL over.
    checkpoint('RESTART');
    Atomics.store(shared, ${READY}, 0);
    parentPort.postMessage('restarted');
    timer = setTimeout(tick, workerData.intervalMs);
  } else if (message === 'stop') {
    db.close();
    parentPort.postMessage('closed');
  }
});
`;

export interface Checkpointer {
  /**
   * Called by the server's connection between two transactions: a promise when it should hold its
   * writes until the promise resolves (the WAL is starting over), otherwise undefined.
   */
  betweenTransactions(): Promise<void> | undefined;
  /** Stops the worker after closing its connection (so it holds no lock when the server closes). */
  stop(): Promise<void>;
}

export function startCheckpointer(path: string, restartPages = RESTART_PAGES): Checkpointer {
  const shared = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(workerSource, {
    eval: true,
    workerData: { path, driverPath, intervalMs: INTERVAL_MS, shared: shared.buffer },
  });
  worker.unref();
  let alive = true;
  // Without its checkpoints the backstop threshold still bounds the WAL: nothing to crash over.
  worker.on('error', () => {
    alive = false;
  });
  worker.on('exit', () => {
    alive = false;
  });
  let preparing = false;
  let stopped: Promise<void> | undefined;

  function restart(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (message?: unknown) => {
        if (message !== undefined && message !== 'restarted') return;
        clearTimeout(timeout);
        worker.off('message', done);
        preparing = false;
        resolve();
      };
      const timeout = setTimeout(() => done(), RESTART_TIMEOUT_MS);
      worker.on('message', done);
      worker.postMessage('restart');
    });
  }

  return {
    betweenTransactions() {
      if (!alive || stopped) return undefined;
      if (preparing) return Atomics.load(shared, READY) === 1 ? restart() : undefined;
      if (Atomics.load(shared, FRAMES) >= restartPages) {
        preparing = true;
        worker.postMessage('prepare');
      }
      return undefined;
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        if (!alive) return resolve();
        worker.on('message', (message) => {
          if (message === 'closed') void worker.terminate().then(() => resolve());
        });
        worker.once('error', () => resolve());
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
      });
      return stopped;
    },
  };
}
