/**
 * The console's only way to the API: the typed client (clients/typescript), with the key the user
 * pasted, kept in sessionStorage (this browser tab's session; never in a URL, never logged).
 */
import { Opsline } from '@opsline/client/client.ts';
import { OpslineError } from '@opsline/client/error.ts';

export { OpslineError };

const KEY_STORAGE = 'opsline.console.key';

export interface KeyInfo {
  id: string;
  name: string | null;
  key_prefix: string;
  scopes: string[];
}

export interface ListEnvelope<T = Row> {
  data: T[];
  has_more: boolean;
  total_count: number;
  next_cursor: string | null;
}

export type Row = Record<string, unknown> & { id?: string };

let client: Opsline | undefined;

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function useKey(secret: string): void {
  sessionStorage.setItem(KEY_STORAGE, secret);
  client = undefined;
}

export function forgetKey(): void {
  sessionStorage.removeItem(KEY_STORAGE);
  client = undefined;
}

function api(): Opsline {
  const apiKey = storedKey();
  if (!apiKey)
    throw new OpslineError({
      message: 'Sign in with an API key first.',
      type: 'authentication_error',
      code: 'no_key',
      status: 401,
    });
  // A person is waiting: one attempt, the error shown at once rather than retried for seconds.
  client ??= new Opsline({ apiKey, baseUrl: window.location.origin, maxRetries: 0 });
  return client;
}

export interface CallInput {
  params?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
}

/**
 * Calls an operation named by method and OpenAPI path. The console discovers paths at run time from
 * /openapi.json, so they are typed here as strings; the client still builds the URL, headers,
 * idempotency key and error object.
 */
export async function call<T = unknown>(
  method: 'get' | 'post' | 'patch' | 'delete',
  path: string,
  input: CallInput = {},
): Promise<T> {
  return (await api().request(method as never, path as never, input as never)) as T;
}

export function list<T = Row>(
  path: string,
  query: Record<string, string | number | undefined> = {},
): Promise<ListEnvelope<T>> {
  return call<ListEnvelope<T>>('get', path, { query });
}

/** The key's own record: who is signed in and which scopes decide the actions shown. */
export function whoAmI(): Promise<KeyInfo> {
  return call<KeyInfo>('get', '/v1/api_keys/me');
}

export function messageOf(error: unknown): string {
  if (error instanceof OpslineError) {
    if (error.status === 403) return `Not allowed: ${error.message}`;
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
