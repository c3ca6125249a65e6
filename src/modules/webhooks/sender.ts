import { Worker } from 'node:worker_threads';

/** One delivery for the sender thread: what to POST where, and the group it goes in order with. */
export interface SendRequest {
  delivery_id: string;
  /** Deliveries of one group (endpoint and object) are sent one after another, in array order. */
  group: string;
  endpoint_id: string;
  url: string;
  /** The secrets that sign (two during the day after a rotation). */
  secrets: string[];
  /** A group not started by then (ms since the epoch) goes back unsent: its claim could run out mid-send. */
  start_by: number;
  event: { id: string; type: string; data: string; request_id: string | null; created_at: string };
}

export interface SendOutcome {
  delivery_id: string;
  attempted_at: string;
  status_code: number | null;
  duration_ms: number;
  response_excerpt: string | null;
  error: string | null;
}

export interface SendResult {
  outcomes: SendOutcome[];
  /** Not attempted: behind a failure in their group, not started in time, or cut short by stop(). */
  unsent: string[];
}

export interface SenderOptions {
  timeoutMs: number;
  excerptBytes: number;
  /** Groups sent at once; past it, an endpoint with none being sent still starts one. */
  concurrency: number;
  /** Groups of one endpoint sent at once: a slow endpoint takes no more, the others go on. */
  perEndpoint: number;
}

/** Messages between the worker and the sender thread. */
export type ToSender = { type: 'send'; requests: SendRequest[] } | { type: 'stop' };
/** `idle`: the thread has nothing left to send. */
export type FromSender = { type: 'settled'; result: SendResult; idle: boolean };

export function succeeded(o: { status_code: number | null }): boolean {
  return o.status_code !== null && o.status_code >= 200 && o.status_code < 300;
}

/**
 * Sends webhook POSTs from a thread of their own (sender-thread.ts). The HTTP exchanges, signing
 * and answer parsing were two thirds of the worker's CPU on the server's thread, where every
 * microsecond is one that requests do not get; on the thread they use another core. The worker
 * keeps the database work. The thread starts with the first batch.
 *
 * Batches do not wait for each other: each group's outcomes come back through `onSettled` as it
 * finishes, so an endpoint that answers slowly holds up only its own deliveries.
 */
export class Sender {
  private thread?: Worker;
  /** The deliveries each thread has been given and not settled. */
  private readonly outstanding = new Map<Worker, Set<string>>();
  /** Called when a thread being stopped has settled everything it had. */
  private readonly drained = new Map<Worker, () => void>();
  private stopped = false;

  constructor(
    private readonly options: SenderOptions,
    private readonly onSettled: (result: SendResult, idle: boolean) => void,
    private readonly log?: { warn(obj: unknown, msg: string): void },
  ) {}

  /**
   * Queues a batch. Every delivery in it is settled exactly once through onSettled: attempted, or
   * unsent (a thread that dies, or stop(), leaves what it had not attempted unsent).
   */
  submit(requests: SendRequest[]): void {
    if (requests.length === 0) return;
    if (this.stopped) {
      this.onSettled({ outcomes: [], unsent: requests.map((r) => r.delivery_id) }, true);
      return;
    }
    const thread = (this.thread ??= this.spawn());
    const ids = this.outstanding.get(thread)!;
    for (const r of requests) ids.add(r.delivery_id);
    thread.postMessage({ type: 'send', requests } satisfies ToSender);
  }

  /** Cuts the sends in flight short, settles everything given (the rest unsent) and ends the thread. */
  async stop(): Promise<void> {
    this.stopped = true;
    const thread = this.thread;
    if (!thread) return;
    this.thread = undefined;
    if (this.outstanding.get(thread)?.size) {
      const drained = new Promise<void>((done) => this.drained.set(thread, done));
      thread.postMessage({ type: 'stop' } satisfies ToSender);
      await drained;
    }
    await thread.terminate();
  }

  private spawn(): Worker {
    const thread = spawnSenderThread(this.options);
    thread.unref();
    this.outstanding.set(thread, new Set());
    thread.on('message', (message: FromSender) => this.settle(thread, message.result, message.idle));
    const died = (err?: Error) => {
      if (this.thread === thread) this.thread = undefined;
      if (err) this.log?.warn({ err }, 'webhook sender thread failed');
      this.settle(thread, { outcomes: [], unsent: [...(this.outstanding.get(thread) ?? [])] }, true);
      this.outstanding.delete(thread);
      this.drained.delete(thread);
    };
    thread.on('error', died);
    thread.on('exit', () => died());
    return thread;
  }

  private settle(thread: Worker, result: SendResult, idle: boolean): void {
    const ids = this.outstanding.get(thread);
    if (!ids) return;
    const outcomes = result.outcomes.filter((o) => ids.delete(o.delivery_id));
    const unsent = result.unsent.filter((id) => ids.delete(id));
    if (outcomes.length || unsent.length) this.onSettled({ outcomes, unsent }, idle);
    if (ids.size === 0) this.drained.get(thread)?.();
  }
}

/**
 * Compiled, the thread runs sender-thread.js. From source (tests, `npm run dev`) it loads the
 * TypeScript through tsx's loader, which does not reach worker threads by itself.
 */
function spawnSenderThread(options: SenderOptions): Worker {
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./sender-thread.js', import.meta.url), { workerData: options });
  const loader = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(new URL('./sender-thread.ts', import.meta.url).href);
  return new Worker(`import(${loader}).then((tsx) => { tsx.register(); return import(${entry}); })`, {
    eval: true,
    workerData: options,
  });
}
