/** A real HTTP receiver on 127.0.0.1 for webhook tests: records every request, answers as told. */
import { createServer, type Server } from 'node:http';

export interface Received {
  webhookId: string;
  signature: string;
  body: string;
  event: any;
  receivedAt: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** The status to answer a request with (200 unless set). */
  respond: (r: Received) => number;
  /** How long to wait before answering (0 unless set). */
  delayMs: (r: Received) => number;
  close(): Promise<void>;
  /** Resolves once `predicate` holds for the requests received so far. */
  waitFor(predicate: (received: Received[]) => boolean, timeoutMs?: number, what?: string): Promise<void>;
}

export async function startReceiver(port = 0): Promise<Receiver> {
  const receiver: Receiver = {
    url: '',
    received: [],
    respond: () => 200,
    delayMs: () => 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
    waitFor: async (predicate, timeoutMs = 10_000, what = 'the expected requests') => {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(receiver.received)) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}; received ${receiver.received.map((r) => r.event?.type)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const r: Received = {
        webhookId: String(req.headers['webhook-id']),
        signature: String(req.headers['stateset-signature']),
        body,
        event: JSON.parse(body),
        receivedAt: Date.now(),
      };
      receiver.received.push(r);
      res.statusCode = receiver.respond(r);
      const answer = () => res.end(res.statusCode < 300 ? 'ok' : `status ${res.statusCode}`);
      const delay = receiver.delayMs(r);
      if (delay > 0) setTimeout(answer, delay);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks`;
  return receiver;
}
