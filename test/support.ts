/** Small assertions and builders shared by the foundation and customers test files. */
import assert from 'node:assert/strict';
import type { ApiResponse, TestContext } from './helpers.js';
import { unique } from './helpers.js';

const ERROR_FIELDS = new Set(['type', 'code', 'message', 'param', 'details', 'request_id']);

/** Matches what a leaked stack trace or source location would look like. */
const STACK_LIKE = /\n\s+at |\bat [\w.<>]+ \(|node_modules|\.[jt]s:\d+:\d+|"stack"/;

/**
 * The one error shape: {"error":{type,code,message,param?,details?,request_id}} with nothing else,
 * a request_id equal to the X-Request-Id header, and no stack trace anywhere in the raw body.
 */
export function assertError(res: ApiResponse, status: number, type: string, code?: string): void {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.raw}`);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  assert.deepEqual(Object.keys(res.body), ['error'], res.raw);
  const e = res.body.error;
  for (const k of Object.keys(e)) assert.ok(ERROR_FIELDS.has(k), `unexpected error field "${k}" in ${res.raw}`);
  assert.equal(e.type, type, res.raw);
  if (code !== undefined) assert.equal(e.code, code, res.raw);
  assert.equal(typeof e.message, 'string');
  assert.ok(e.message.length > 0);
  assert.equal(typeof e.request_id, 'string');
  assert.ok(e.request_id.length > 0);
  assert.equal(e.request_id, res.headers['x-request-id'], 'error body request_id must equal the X-Request-Id header');
  assert.doesNotMatch(res.raw, STACK_LIKE, 'error body must not leak a stack trace');
}

/** The `path` of every detail of a 400 validation error. */
export function detailPaths(res: ApiResponse): string[] {
  assert.ok(Array.isArray(res.body.error.details), `details should be a list: ${res.raw}`);
  return res.body.error.details.map((d: { path: string }) => d.path);
}

export function newEmail(prefix = 'c'): string {
  return `${unique(prefix)}@example.com`;
}

/** Creates one customer through the API and returns its body. */
export async function createCustomer(t: TestContext, fields: Record<string, unknown> = {}): Promise<any> {
  const res = await t.api('POST', '/v1/customers', { email: newEmail(), ...fields });
  assert.equal(res.status, 201, res.raw);
  return res.body;
}

/** Creates `n` customers one after another (so creation order is known), all tagged `tag`. */
export async function createTagged(
  t: TestContext,
  tag: string,
  n: number,
  fields: (i: number) => Record<string, unknown> = () => ({}),
): Promise<any[]> {
  const out: any[] = [];
  for (let i = 0; i < n; i++) out.push(await createCustomer(t, { tags: [tag], ...fields(i) }));
  return out;
}

export function ids(list: Array<{ id: string }>): string[] {
  return list.map((x) => x.id);
}

export function authHeader(secret: string): Record<string, string> {
  return { authorization: `Bearer ${secret}` };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One request with exactly these headers (no default Authorization). */
export async function bare(
  app: import('fastify').FastifyInstance,
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  url: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<ApiResponse> {
  const res = await app.inject({ method, url, headers, payload: body as any });
  let parsed: any;
  try {
    parsed = res.body ? JSON.parse(res.body) : undefined;
  } catch {
    parsed = res.body;
  }
  return { status: res.statusCode, body: parsed, headers: res.headers as any, raw: res.body };
}
