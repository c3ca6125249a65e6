/**
 * The webhook sender thread (started by sender.ts): POSTs the deliveries the worker hands it, those
 * of one group in order and stopping at the group's first failure, groups side by side (at most
 * `perEndpoint` of one endpoint at once), and hands each group's outcomes back as it finishes.
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
/** Groups waiting to be sent, by endpoint, oldest first. */
const waiting = new Map<string, SendRequest[][]>();
/** Groups being sent, by endpoint. */
const sending = new Map<string, number>();
let sendingTotal = 0;
let stopped = false;
/** Settled since the last message to the worker. */
let settled: { outcomes: SendOutcome[]; unsent: string[] } = { outcomes: [], unsent: [] };
let flushQueued = false;

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
    for (const groups of waiting.values()) for (const group of groups) unsend(group);
    waiting.clear();
    return;
  }
  const groups = new Map<string, SendRequest[]>();
  for (const r of message.requests) {
    const group = groups.get(r.group);
    if (group) group.push(r);
    else groups.set(r.group, [r]);
  }
  for (const group of groups.values()) {
    const queue = waiting.get(group[0].endpoint_id);
    if (queue) queue.push(group);
    else waiting.set(group[0].endpoint_id, [group]);
  }
  startGroups();
});

/**
 * Starts waiting groups while there is room, overall and for their endpoint. An endpoint with
 * nothing being sent may start one group even when the overall limit is reached: a few endpoints
 * whose receivers hang until the timeout could otherwise take every slot and stop the others.
 */
function startGroups(): void {
  for (const [endpoint, queue] of waiting) {
    let n = sending.get(endpoint) ?? 0;
    while (queue.length && n < options.perEndpoint && (sendingTotal < options.concurrency || n === 0)) {
      n++;
      sendingTotal++;
      void sendGroup(queue.shift()!).then(() => {
        sendingTotal--;
        const left = sending.get(endpoint)! - 1;
        if (left) sending.set(endpoint, left);
        else sending.delete(endpoint);
        startGroups();
      });
    }
    sending.set(endpoint, n);
    if (queue.length === 0) waiting.delete(endpoint);
  }
}

async function sendGroup(group: SendRequest[]): Promise<void> {
  // Late: its claim could run out mid-send and another server send it too. Back, to be claimed again.
  if (Date.now() > group[0].start_by) return unsend(group);
  for (let i = 0; i < group.length; i++) {
    const outcome = stopped ? undefined : await send(group[i]);
    if (!outcome) return unsend(group.slice(i));
    settled.outcomes.push(outcome);
    flushSoon();
    if (!succeeded(outcome)) return unsend(group.slice(i + 1));
  }
}

function unsend(requests: SendRequest[]): void {
  for (const r of requests) settled.unsent.push(r.delivery_id);
  flushSoon();
}

/**
 * Hands what settled to the worker: at once when nothing is left to send, else every few ms, so a
 * busy thread sends the worker a few messages a round rather than one per answer.
 */
function flushSoon(): void {
  if (flushQueued) return;
  flushQueued = true;
  const flush = () => {
    flushQueued = false;
    const result = settled;
    settled = { outcomes: [], unsent: [] };
    const idle = sendingTotal === 0 && waiting.size === 0;
    if (result.outcomes.length || result.unsent.length)
      parentPort!.postMessage({ type: 'settled', result, idle } satisfies FromSender);
  };
  // The group settling now is still counted as sending: it ends in this turn of the event loop.
  if (sendingTotal <= 1 && waiting.size === 0) setImmediate(flush);
  else setTimeout(flush, 10);
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
