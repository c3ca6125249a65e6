import { Worker } from 'node:worker_threads';

/** One delivery for the sender thread: what to POST where, and the group it goes in order with. */
export interface SendRequest {
  delivery_id: string;
  /** Deliveries of one group (endpoint and object) are sent one after another, in array order. */
  group: string;
  url: string;
  /** The secrets that sign (two during the day after a rotation). */
  secrets: string[];
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
  /** Not attempted: behind a failure in their group, or cut short by stop(). */
  unsent: string[];
}

export interface SenderOptions {
  timeoutMs: number;
  excerptBytes: number;
  /** Groups sent at once. */
  concurrency: number;
}

/** Messages between the worker and the sender thread. */
export type ToSender = { type: 'send'; requests: SendRequest[] } | { type: 'stop' };
export type FromSender = { type: 'sent'; result: SendResult };

export function succeeded(o: { status_code: number | null }): boolean {
  return o.status_code !== null && o.status_code >= 200 && o.status_code < 300;
}

/**
 * Sends webhook POSTs from a thread of their own (sender-thread.ts), a batch at a time. The HTTP
 * exchanges, signing and answer parsing were two thirds of the worker's CPU on the server's thread,
 * where every microsecond is one that requests do not get; on the thread they use another core.
 * The worker keeps the database work. The thread starts with the first batch.
 */
export class Sender {
  private thread?: Worker;
  /** The batch in flight and the thread it went to. */
  private pending?: { thread: Worker; requests: SendRequest[]; resolve: (result: SendResult) => void };
  private stopped = false;

  constructor(
    private readonly options: SenderOptions,
    private readonly log?: { warn(obj: unknown, msg: string): void },
  ) {}

  /** Sends a batch; one at a time. A thread that dies, or stop(), leaves the rest of its batch unsent. */
  send(requests: SendRequest[]): Promise<SendResult> {
    if (this.pending) throw new Error('the sender is already sending a batch');
    if (this.stopped) return Promise.resolve({ outcomes: [], unsent: requests.map((r) => r.delivery_id) });
    const thread = (this.thread ??= this.spawn());
    return new Promise((resolve) => {
      this.pending = { thread, requests, resolve };
      thread.postMessage({ type: 'send', requests } satisfies ToSender);
    });
  }

  /** Cuts the batch in flight short (its unsent deliveries are answered) and ends the thread. */
  async stop(): Promise<void> {
    this.stopped = true;
    const thread = this.thread;
    if (!thread) return;
    this.thread = undefined;
    if (this.pending) {
      const { requests, resolve } = this.pending;
      const answered = new Promise<void>((done) => {
        this.pending = { thread, requests, resolve: (result) => (resolve(result), done()) };
      });
      thread.postMessage({ type: 'stop' } satisfies ToSender);
      await answered;
    }
    await thread.terminate();
  }

  private spawn(): Worker {
    const thread = spawnSenderThread(this.options);
    thread.unref();
    thread.on('message', (message: FromSender) => this.answer(thread, message.result));
    const died = (err?: Error) => {
      if (this.thread === thread) this.thread = undefined;
      if (err) this.log?.warn({ err }, 'webhook sender thread failed');
      this.answer(thread, { outcomes: [], unsent: this.pending?.requests.map((r) => r.delivery_id) ?? [] });
    };
    thread.on('error', died);
    thread.on('exit', () => died());
    return thread;
  }

  /** Ends the batch in flight, if `thread` has it. */
  private answer(thread: Worker, result: SendResult): void {
    const pending = this.pending;
    if (pending?.thread !== thread) return;
    this.pending = undefined;
    pending.resolve(result);
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
