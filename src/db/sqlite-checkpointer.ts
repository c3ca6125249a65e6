import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Checkpoints a SQLite WAL database from a worker thread with its own connection, so the server's
 * thread does not copy pages into the database file and wait for fsync inside its commits (with
 * SQLite's automatic checkpoint that was about a third of a commit: order creation rose ~25%). A
 * PASSIVE checkpoint never blocks writers. The server's connection keeps a high automatic
 * checkpoint threshold as a backstop: when it reaches it, the pages are mostly copied already, and
 * its checkpoint lets the WAL start over, so the file stays bounded even under constant writes.
 */
export const BACKSTOP_CHECKPOINT_PAGES = 10_000;
const INTERVAL_MS = 50;

const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');

// Plain JavaScript, evaluated in the worker: no TypeScript loader needed there.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.driverPath);
const db = new SQLite(workerData.path);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: the next tick tries again */ }
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.postMessage('closed');
});
`;

export interface Checkpointer {
  /** Stops the worker after closing its connection (so it holds no lock when the server closes). */
  stop(): Promise<void>;
}

export function startCheckpointer(path: string): Checkpointer {
  const worker = new Worker(workerSource, { eval: true, workerData: { path, driverPath, intervalMs: INTERVAL_MS } });
  worker.unref();
  // Without its checkpoints the backstop threshold still bounds the WAL: nothing to crash over.
  worker.on('error', () => {});
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        worker.once('message', () => void worker.terminate().then(() => resolve()));
        worker.once('error', () => resolve());
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
      });
      return stopped;
    },
  };
}
