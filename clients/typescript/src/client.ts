import { OpslineError } from './error.js';
import type {
  CallOptions,
  HttpMethod,
  ItemOf,
  ListPaths,
  Operation,
  Page,
  PathsWith,
  QueryParams,
  RequestBody,
  RequestOptions,
  ResponseBody,
} from './types.js';

export interface OpslineOptions {
  apiKey: string;
  /** Where the API answers, e.g. http://localhost:3000 (no /v1). */
  baseUrl: string;
  /** Retries after a network error, a 429, a 5xx or a 409 idempotency_key_in_use; 2 by default. */
  maxRetries?: number;
  /** First backoff delay; doubles on each retry, up to maxRetryDelayMs. 500 ms by default. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** The fetch to use (global fetch by default); tests pass one that fails on purpose. */
  fetch?: typeof fetch;
}

type Op<P extends keyof import('./schema.js').paths, M extends HttpMethod> = Operation<P, M>;
type Body<P extends PathsWith<'post'>> = RequestBody<Op<P, 'post'>>;
type Answer<P extends PathsWith<M>, M extends HttpMethod> = ResponseBody<Op<P, M>>;

/**
 * One list call: `await` it for a page, or iterate it with `for await` for every item across pages
 * (following next_cursor with the same filters).
 */
export class ListCall<P extends ListPaths> implements PromiseLike<Page<P>>, AsyncIterable<ItemOf<P>> {
  private first?: Promise<Page<P>>;
  constructor(private readonly fetchPage: (cursor?: string) => Promise<Page<P>>) {}

  private firstPage(): Promise<Page<P>> {
    this.first ??= this.fetchPage();
    return this.first;
  }

  then<A = Page<P>, B = never>(
    onfulfilled?: ((page: Page<P>) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.firstPage().then(onfulfilled, onrejected);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ItemOf<P>> {
    let page = (await this.firstPage()) as { data: ItemOf<P>[]; has_more: boolean; next_cursor: string | null };
    for (;;) {
      yield* page.data;
      if (!page.has_more || !page.next_cursor) return;
      page = (await this.fetchPage(page.next_cursor)) as typeof page;
    }
  }
}

export class Opsline {
  private readonly apiKey: string;
  private readonly baseUrl: string;
  private readonly maxRetries: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: OpslineOptions) {
    if (!options.apiKey) throw new Error('Opsline: apiKey is required');
    if (!options.baseUrl) throw new Error('Opsline: baseUrl is required');
    this.apiKey = options.apiKey;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.maxRetries = options.maxRetries ?? 2;
    this.retryDelayMs = options.retryDelayMs ?? 500;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 8_000;
    // Called as a plain function, a browser's fetch must keep globalThis as `this` ("Illegal invocation").
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** Any operation of the API, typed by its path: `request('post', '/v1/orders/{id}/ship', { params: { id } })`. */
  async request<M extends HttpMethod, P extends PathsWith<M>>(
    method: M,
    path: P,
    options: RequestOptions<Op<P, M>> = {} as RequestOptions<Op<P, M>>,
  ): Promise<Answer<P, M>> {
    const { params, query, body, idempotencyKey, ifMatch, headers, signal } = options as RequestOptions<unknown> & {
      params?: Record<string, string>;
      query?: Record<string, unknown>;
      body?: unknown;
    };
    const url = new URL(
      this.baseUrl +
        path.replace(/\{(\w+)\}/g, (_, name: string) => {
          const value = params?.[name];
          if (value === undefined) throw new Error(`Opsline: path parameter ${name} is required for ${path}`);
          return encodeURIComponent(String(value));
        }),
    );
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
    }
    const sendHeaders: Record<string, string> = {
      authorization: `Bearer ${this.apiKey}`,
      accept: 'application/json',
      ...headers,
    };
    if (body !== undefined) sendHeaders['content-type'] = 'application/json';
    // One key for every attempt of this call, so a retry after a lost answer replays the first.
    if (method === 'post') sendHeaders['idempotency-key'] = idempotencyKey ?? newIdempotencyKey();
    if (ifMatch !== undefined) sendHeaders['if-match'] = String(ifMatch);

    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetchImpl(url, {
          method: method.toUpperCase(),
          headers: sendHeaders,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal,
        });
      } catch (cause) {
        if (signal?.aborted || attempt >= this.maxRetries) throw OpslineError.connection(cause, attempt + 1);
        await this.sleep(this.backoff(attempt));
        continue;
      }
      const text = await response.text();
      const parsed = parseJson(text);
      if (response.ok) return parsed as Answer<P, M>;
      const error = OpslineError.fromResponse(response, parsed, text);
      if (attempt < this.maxRetries && isRetryable(error)) {
        await this.sleep(retryAfterMs(response.headers.get('retry-after')) ?? this.backoff(attempt));
        continue;
      }
      throw error;
    }
  }

  /** A list operation: await it for one page, `for await` it for every item. */
  list<P extends ListPaths>(path: P, query?: QueryParams<Op<P, 'get'>>, options?: CallOptions): ListCall<P> {
    return new ListCall<P>((cursor) => {
      const pageQuery = cursor ? { ...(query as object), cursor, offset: undefined } : query;
      return this.request('get', path, { ...options, query: pageQuery } as never) as Promise<Page<P>>;
    });
  }

  readonly orders = {
    create: (body: Body<'/v1/orders'>, options?: CallOptions) =>
      this.request('post', '/v1/orders', { ...options, body }),
    retrieve: (id: string, options?: CallOptions) =>
      this.request('get', '/v1/orders/{id}', { ...options, params: { id } }),
    update: (id: string, body: RequestBody<Op<'/v1/orders/{id}', 'patch'>>, options?: CallOptions) =>
      this.request('patch', '/v1/orders/{id}', { ...options, params: { id }, body }),
    list: (query?: QueryParams<Op<'/v1/orders', 'get'>>, options?: CallOptions) =>
      this.list('/v1/orders', query, options),
    pay: (id: string, body?: Body<'/v1/orders/{id}/pay'>, options?: CallOptions) =>
      this.request('post', '/v1/orders/{id}/pay', { ...options, params: { id }, body }),
    ship: (id: string, body?: Body<'/v1/orders/{id}/ship'>, options?: CallOptions) =>
      this.request('post', '/v1/orders/{id}/ship', { ...options, params: { id }, body }),
    cancel: (id: string, body?: Body<'/v1/orders/{id}/cancel'>, options?: CallOptions) =>
      this.request('post', '/v1/orders/{id}/cancel', { ...options, params: { id }, body }),
  };

  readonly customers = {
    create: (body: Body<'/v1/customers'>, options?: CallOptions) =>
      this.request('post', '/v1/customers', { ...options, body }),
    retrieve: (id: string, options?: CallOptions) =>
      this.request('get', '/v1/customers/{id}', { ...options, params: { id } }),
    list: (query?: QueryParams<Op<'/v1/customers', 'get'>>, options?: CallOptions) =>
      this.list('/v1/customers', query, options),
  };

  readonly inventoryItems = {
    create: (body: Body<'/v1/inventory_items'>, options?: CallOptions) =>
      this.request('post', '/v1/inventory_items', { ...options, body }),
    retrieve: (id: string, options?: CallOptions) =>
      this.request('get', '/v1/inventory_items/{id}', { ...options, params: { id } }),
    list: (query?: QueryParams<Op<'/v1/inventory_items', 'get'>>, options?: CallOptions) =>
      this.list('/v1/inventory_items', query, options),
    adjust: (id: string, body: Body<'/v1/inventory_items/{id}/adjust'>, options?: CallOptions) =>
      this.request('post', '/v1/inventory_items/{id}/adjust', { ...options, params: { id }, body }),
  };

  private backoff(attempt: number): number {
    return Math.min(this.maxRetryDelayMs, this.retryDelayMs * 2 ** attempt);
  }

  private sleep(ms: number): Promise<void> {
    return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function isRetryable(error: OpslineError): boolean {
  return error.status === 429 || error.status >= 500 || error.code === 'idempotency_key_in_use';
}

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * A random UUID v4 from Web Crypto, in Node and in browsers; crypto.randomUUID exists only in secure
 * contexts, so a console opened over plain http on the LAN builds one from getRandomValues.
 */
function newIdempotencyKey(): string {
  if (typeof globalThis.crypto.randomUUID === 'function') return globalThis.crypto.randomUUID();
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
