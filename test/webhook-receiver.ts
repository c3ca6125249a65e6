/** A real HTTP receiver on 127.0.0.1 for webhook tests: records every request, answers as told. */
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Socket } from 'node:net';

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

/** With `tls` (a PEM key and certificate) it serves https. */
export async function startReceiver(port = 0, tls?: { key: string; cert: string }): Promise<Receiver> {
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
  const server: Server = (tls ? createHttpsServer.bind(null, tls) : createServer)((req, res) => {
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
  receiver.url = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as { port: number }).port}/hooks`;
  return receiver;
}

export interface RawRequest {
  head: string;
  body: string;
  /** Which TCP connection (0, 1, ...) carried it. */
  connection: number;
}

/**
 * A receiver that speaks raw HTTP/1.1 on 127.0.0.1: each request is answered with the pieces
 * `answer` returns, written one by one (10 ms apart), for the framings and odd answers real servers
 * give; `close` ends the connection after the answer.
 */
export async function startRawReceiver(
  answer: (request: RawRequest, index: number) => { pieces: string[]; close?: boolean },
): Promise<{ url: string; requests: RawRequest[]; close(): Promise<void> }> {
  const requests: RawRequest[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const connection = connections++;
    let buffered = '';
    socket.setEncoding('latin1');
    socket.on('data', async (data: string) => {
      buffered += data;
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffered.slice(0, end);
      const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      const request = { head, body: buffered.slice(end + 4, end + 4 + length), connection };
      buffered = buffered.slice(end + 4 + length);
      requests.push(request);
      const { pieces, close } = answer(request, requests.length - 1);
      for (const piece of pieces) {
        socket.write(piece, 'latin1');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      if (close) socket.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks`,
    requests,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
