import net from 'node:net';
import tls from 'node:tls';

/** Where a webhook endpoint's POSTs go, parsed once from its URL. */
export interface PostTarget {
  secure: boolean;
  /** For the socket: an IPv6 address without its brackets. */
  host: string;
  port: number;
  /** The request line and the Host header, with any credentials of the URL as a header. */
  requestHead: string;
  /** Sockets are shared between targets with the same key (scheme, host and port). */
  key: string;
}

export interface PostAnswer {
  status_code: number;
  /** The start of the response body (utf8, at most the client's excerptBytes). */
  response_excerpt: string;
}

export function postTarget(url: string): PostTarget {
  const u = new URL(url);
  const secure = u.protocol === 'https:';
  const port = Number(u.port) || (secure ? 443 : 80);
  const credentials = u.username
    ? `Authorization: Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}\r\n`
    : '';
  return {
    secure,
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    requestHead: `POST ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\n${credentials}`,
    key: `${u.protocol}//${u.host}:${port}`,
  };
}

/**
 * POSTs over kept-alive HTTP/1.1 connections, one exchange at a time on each. Webhook delivery
 * sends one small request per event and reads a status and the first bytes of the answer. With
 * node:http, its request, response and stream objects were most of the 38 KB a delivery allocated,
 * and the garbage collector cost about as much CPU as the sending. Here a request is one string
 * written once, and a parser reads the answer, keeping only the excerpt.
 */
export class PostClient {
  private readonly idle = new Map<string, Connection[]>();
  private readonly active = new Set<Connection>();

  constructor(
    private readonly options: {
      timeoutMs: number;
      excerptBytes: number;
      /** Idle connections are closed after this long, before servers close them (Node's: 5 s). */
      idleMs?: number;
      /** Idle connections kept per host and port. */
      maxIdle?: number;
    },
  ) {}

  /** POSTs `body` with `headers` (lines ending in CRLF); rejects on a network error or the timeout. */
  post(target: PostTarget, headers: string, body: string): Promise<PostAnswer> {
    const connection = this.idle.get(target.key)?.pop() ?? new Connection(target, this);
    this.active.add(connection);
    return connection.exchange(
      `${target.requestHead}${headers}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      this.options.timeoutMs,
      this.options.excerptBytes,
    );
  }

  /** Ends every exchange in flight with `reason` and closes every connection. */
  destroy(reason: Error): void {
    for (const c of this.active) c.fail(reason);
    for (const list of this.idle.values()) for (const c of list) c.close();
    this.idle.clear();
  }

  /** @internal A connection whose exchange ended: kept for the next one, or forgotten. */
  settled(connection: Connection, reusable: boolean): void {
    this.active.delete(connection);
    if (!reusable) return connection.close();
    const list = this.idle.get(connection.key) ?? [];
    if (list.length >= (this.options.maxIdle ?? 64)) return connection.close();
    list.push(connection);
    this.idle.set(connection.key, list);
    connection.idleFor(this.options.idleMs ?? 4_000);
  }

  /** @internal An idle connection that closed or timed out. */
  dropIdle(connection: Connection): void {
    const list = this.idle.get(connection.key);
    const i = list ? list.indexOf(connection) : -1;
    if (i >= 0) list!.splice(i, 1);
  }
}

/** The exchange took longer than the client's timeoutMs. */
export class PostTimedOut extends Error {}

/** One socket and the exchange on it, if any. */
class Connection {
  readonly key: string;
  private readonly socket: net.Socket;
  private reader?: ResponseReader;
  private done?: (err: Error | null, answer?: PostAnswer) => void;
  private idleTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    target: PostTarget,
    private readonly client: PostClient,
  ) {
    this.key = target.key;
    this.socket = target.secure
      ? tls.connect({
          host: target.host,
          port: target.port,
          servername: net.isIP(target.host) ? undefined : target.host,
          ALPNProtocols: ['http/1.1'],
        })
      : net.connect({ host: target.host, port: target.port });
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.data(chunk));
    this.socket.on('error', (err) => this.fail(err));
    // The server closing an idle connection: not to be taken for the next request.
    this.socket.on('end', () => {
      if (!this.reader) this.client.dropIdle(this);
    });
    this.socket.on('close', () => this.ended());
  }

  exchange(request: string, timeoutMs: number, excerptBytes: number): Promise<PostAnswer> {
    clearTimeout(this.idleTimer);
    this.reader = new ResponseReader(excerptBytes);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new PostTimedOut(`timed out after ${timeoutMs} ms`)), timeoutMs);
      this.done = (err, answer) => {
        clearTimeout(timer);
        this.done = undefined;
        this.reader = undefined;
        if (err) reject(err);
        else resolve(answer!);
      };
      this.socket.write(request);
    });
  }

  fail(err: Error): void {
    this.close();
    const done = this.done;
    if (!done) return;
    this.client.settled(this, false);
    done(err);
  }

  close(): void {
    clearTimeout(this.idleTimer);
    if (!this.closed) this.socket.destroy();
    this.closed = true;
  }

  idleFor(ms: number): void {
    this.idleTimer = setTimeout(() => {
      this.client.dropIdle(this);
      this.close();
    }, ms);
    this.idleTimer.unref();
  }

  private data(chunk: Buffer): void {
    const reader = this.reader;
    if (!reader) return this.fail(new Error('unexpected bytes on an idle connection'));
    let complete: boolean;
    try {
      complete = reader.push(chunk);
    } catch (err) {
      return this.fail(err as Error);
    }
    if (complete) this.finish(reader, reader.keepAlive);
  }

  private ended(): void {
    this.closed = true;
    clearTimeout(this.idleTimer);
    const reader = this.reader;
    if (!reader) return this.client.dropIdle(this);
    // A body that runs until the connection closes ends here; anything else was cut short.
    if (reader.completeAtClose()) return this.finish(reader, false);
    this.fail(Object.assign(new Error('the connection closed before the response ended'), { code: 'ECONNRESET' }));
  }

  private finish(reader: ResponseReader, reusable: boolean): void {
    const done = this.done!;
    this.client.settled(this, reusable && !this.closed);
    done(null, { status_code: reader.status, response_excerpt: reader.excerpt() });
  }
}

const MAX_LINE_BYTES = 64 * 1024;
type Phase = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'until-close' | 'done';

/**
 * Reads one HTTP/1.x response as its bytes arrive: the status, whether the connection can carry
 * another exchange, and the first `excerptBytes` of the body (content-length, chunked or
 * close-delimited framing; 1xx interim responses are skipped).
 */
class ResponseReader {
  status = 0;
  keepAlive = true;
  private phase: Phase = 'head';
  private pending: Buffer | undefined;
  private remaining = 0;
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;

  constructor(private readonly excerptBytes: number) {}

  /** Takes the next bytes; true once the response is complete. Throws on a malformed response. */
  push(chunk: Buffer): boolean {
    let data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    for (;;) {
      switch (this.phase) {
        case 'head': {
          const end = data.indexOf('\r\n\r\n');
          if (end < 0) return this.wait(data);
          this.readHead(data.toString('latin1', 0, end));
          data = data.subarray(end + 4);
          break;
        }
        case 'length':
        case 'chunk-data': {
          const n = Math.min(this.remaining, data.length);
          this.keep(data.subarray(0, n));
          this.remaining -= n;
          data = data.subarray(n);
          if (this.remaining > 0) return false;
          this.phase = this.phase === 'length' ? 'done' : 'chunk-end';
          break;
        }
        case 'chunk-size': {
          const eol = data.indexOf('\r\n');
          if (eol < 0) return this.wait(data);
          const size = data.toString('latin1', 0, eol).split(';')[0].trim();
          if (!/^[0-9a-fA-F]{1,12}$/.test(size)) throw new Error(`malformed chunk size "${size.slice(0, 20)}"`);
          this.remaining = parseInt(size, 16);
          this.phase = this.remaining === 0 ? 'trailers' : 'chunk-data';
          data = data.subarray(eol + 2);
          break;
        }
        case 'chunk-end': {
          if (data.length < 2) return this.wait(data);
          if (data[0] !== 13 || data[1] !== 10) throw new Error('malformed chunk: no CRLF after its data');
          this.phase = 'chunk-size';
          data = data.subarray(2);
          break;
        }
        case 'trailers': {
          const eol = data.indexOf('\r\n');
          if (eol < 0) return this.wait(data);
          if (eol === 0) this.phase = 'done';
          data = data.subarray(eol + 2);
          break;
        }
        case 'until-close':
          this.keep(data);
          return false;
        case 'done':
          // Bytes past the response: the connection's framing can no longer be trusted.
          if (data.length) this.keepAlive = false;
          return true;
      }
    }
  }

  /** Whether the response is whole when the connection closes now. */
  completeAtClose(): boolean {
    return this.phase === 'until-close' || this.phase === 'done';
  }

  excerpt(): string {
    return Buffer.concat(this.kept).subarray(0, this.excerptBytes).toString('utf8');
  }

  private wait(data: Buffer): false {
    if (data.length > MAX_LINE_BYTES) throw new Error('response head or chunk line too long');
    this.pending = data;
    return false;
  }

  private keep(bytes: Buffer): void {
    if (this.keptBytes >= this.excerptBytes || bytes.length === 0) return;
    this.kept.push(bytes.subarray(0, this.excerptBytes - this.keptBytes));
    this.keptBytes += Math.min(bytes.length, this.excerptBytes - this.keptBytes);
  }

  private readHead(head: string): void {
    const lines = head.split('\r\n');
    const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]);
    if (!statusLine) throw new Error(`not an HTTP/1.x response: "${lines[0].slice(0, 40)}"`);
    const status = Number(statusLine[2]);
    let length: number | undefined;
    let chunked = false;
    let connection = '';
    for (let i = 1; i < lines.length; i++) {
      const colon = lines[i].indexOf(':');
      if (colon <= 0) continue;
      const name = lines[i].slice(0, colon).trim().toLowerCase();
      const value = lines[i].slice(colon + 1).trim();
      if (name === 'content-length') {
        if (!/^\d{1,15}$/.test(value)) throw new Error(`malformed content-length "${value.slice(0, 20)}"`);
        length = Number(value);
      } else if (name === 'transfer-encoding') chunked = value.toLowerCase().split(',').pop()!.trim() === 'chunked';
      else if (name === 'connection') connection = value.toLowerCase();
    }
    // 100 Continue, 103 Early Hints...: the real response follows.
    if (status >= 100 && status < 200 && status !== 101) return;
    this.status = status;
    this.keepAlive =
      statusLine[1] === '1' ? !/(^|,)\s*close\s*(,|$)/.test(connection) : /(^|,)\s*keep-alive\s*(,|$)/.test(connection);
    if (status === 204 || status === 304 || status === 101) {
      if (status === 101) this.keepAlive = false;
      this.phase = 'done';
    } else if (chunked) this.phase = 'chunk-size';
    else if (length !== undefined) {
      this.remaining = length;
      this.phase = length === 0 ? 'done' : 'length';
    } else {
      this.keepAlive = false;
      this.phase = 'until-close';
    }
  }
}
