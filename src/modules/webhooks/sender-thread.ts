/**
 * The webhook sender thread (started by sender.ts): POSTs each batch the worker hands it, the
 * deliveries of one group in order and stopping at the group's first failure, groups side by side.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { PostClient, PostTimedOut, postTarget, type PostTarget } from './http-client.js';
import {
  succeeded,
  type FromSender,
  type SendOutcome,
  type SendRequest,
  type SenderOptions,
  type ToSender,
} from './sender.js';
import { signatureHeader } from './signature.js';

const options = workerData as SenderOptions;
const client = new PostClient({ timeoutMs: options.timeoutMs, excerptBytes: options.excerptBytes });
/** Each endpoint URL as a post target, parsed once. */
const targets = new Map<string, PostTarget>();
let stopped = false;

// Requests first: when the cores are all busy, the thread yields to the server's own and delivery
// lags a little, rather than the API slowing down. Linux names a thread's id in /proc/thread-self.
try {
  setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), 10);
} catch {
  // elsewhere the thread keeps the server's priority
}

/** A send cut short by stop: the delivery was not attempted. */
class Stopping extends Error {}

parentPort!.on('message', (message: ToSender) => {
  if (message.type === 'stop') {
    stopped = true;
    client.destroy(new Stopping());
    return;
  }
  void sendAll(message.requests).then((result) =>
    parentPort!.postMessage({ type: 'sent', result } satisfies FromSender),
  );
});

async function sendAll(requests: SendRequest[]): Promise<{ outcomes: SendOutcome[]; unsent: string[] }> {
  const groups = new Map<string, SendRequest[]>();
  for (const r of requests) {
    const group = groups.get(r.group);
    if (group) group.push(r);
    else groups.set(r.group, [r]);
  }
  const queue = [...groups.values()];
  const outcomes: SendOutcome[] = [];
  const unsent: string[] = [];
  const runner = async () => {
    for (let group = queue.shift(); group; group = queue.shift()) {
      for (let i = 0; i < group.length; i++) {
        const outcome = stopped ? undefined : await send(group[i]);
        if (!outcome) {
          unsent.push(...group.slice(i).map((r) => r.delivery_id));
          break;
        }
        outcomes.push(outcome);
        if (!succeeded(outcome)) {
          unsent.push(...group.slice(i + 1).map((r) => r.delivery_id));
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, queue.length) }, runner));
  return { outcomes, unsent };
}

/** One attempt; undefined when stop cut it short. */
async function send(request: SendRequest): Promise<SendOutcome | undefined> {
  const body = eventBody(request.event);
  const started = Date.now();
  const base = { delivery_id: request.delivery_id, attempted_at: new Date(started).toISOString() };
  try {
    const answer = await client.post(
      target(request.url),
      `Content-Type: application/json\r\nUser-Agent: Opsline-Webhooks/1\r\nWebhook-Id: ${request.delivery_id}\r\nStateset-Signature: ${signatureHeader(body, request.secrets, Math.floor(started / 1000))}\r\n`,
      body,
    );
    return { ...base, ...answer, duration_ms: Math.max(0, Date.now() - started), error: null };
  } catch (err) {
    if (err instanceof Stopping) return undefined;
    return {
      ...base,
      status_code: null,
      duration_ms: Math.max(0, Date.now() - started),
      response_excerpt: null,
      error:
        err instanceof PostTimedOut ? err.message : String((err as { code?: string }).code ?? (err as Error).message),
    };
  }
}

function target(url: string): PostTarget {
  let t = targets.get(url);
  if (!t) {
    t = postTarget(url);
    if (targets.size >= 1000) targets.clear();
    targets.set(url, t);
  }
  return t;
}

/** The event as the API shows it (toApiEvent), built from the stored data text without parsing it. */
function eventBody(event: SendRequest['event']): string {
  return `{"id":${JSON.stringify(event.id)},"object":"event","type":${JSON.stringify(event.type)},"data":${event.data},"request_id":${JSON.stringify(event.request_id)},"created_at":${JSON.stringify(event.created_at)}}`;
}
