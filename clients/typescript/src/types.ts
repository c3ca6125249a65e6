/**
 * Type plumbing over the generated `paths` (schema.d.ts): which operations exist, and the path
 * parameters, query, body and success answer of each. Nothing here names a field of the API.
 */
import type { components, paths } from './schema.js';

export type { components, paths };
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The operation object of `method` on `path` (never when the path has no such method). */
export type Operation<P extends keyof paths, M extends HttpMethod> = NonNullable<paths[P][M]>;

/** The paths that answer `method`. */
export type PathsWith<M extends HttpMethod> = {
  [P in keyof paths]: [Operation<P, M>] extends [never] ? never : P;
}[keyof paths];

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : undefined;

export type PathParams<Op> = Op extends { parameters: { path: infer P } } ? P : never;
export type QueryParams<Op> = Op extends { parameters: { query?: infer Q } } ? Q : never;
export type RequestBody<Op> = Op extends { requestBody?: infer R } ? Json<NonNullable<R>> : never;
/** The JSON answer of the operation's success status (200, 201 or 202). */
export type ResponseBody<Op> = Op extends { responses: infer R } ? Json<R[Extract<keyof R, 200 | 201 | 202>]> : never;

export type ApiError = components['schemas']['Error']['error'];

/** Per-call options every method accepts. */
export interface CallOptions {
  /** Idempotency-Key of a POST; one is generated when not given, and reused by its retries. */
  idempotencyKey?: string;
  /** Refuse (412) if the resource's version is no longer this one. */
  ifMatch?: number | string;
  /** Extra headers. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

type ParamsOption<Op> = [PathParams<Op>] extends [never] ? { params?: undefined } : { params: PathParams<Op> };
type QueryOption<Op> = [QueryParams<Op>] extends [never] ? { query?: undefined } : { query?: QueryParams<Op> };
type BodyOption<Op> = [RequestBody<Op>] extends [never | undefined] ? { body?: undefined } : { body?: RequestBody<Op> };

/** What `request(method, path, options)` takes for that operation. */
export type RequestOptions<Op> = ParamsOption<Op> & QueryOption<Op> & BodyOption<Op> & CallOptions;

/** The list paths: GET operations answering a list envelope. */
export type ListPaths = {
  [P in PathsWith<'get'>]: ResponseBody<Operation<P, 'get'>> extends {
    object: 'list';
    data: unknown[];
    next_cursor: string | null;
  }
    ? P
    : never;
}[PathsWith<'get'>];

export type Page<P extends ListPaths> = ResponseBody<Operation<P, 'get'>>;
export type ItemOf<P extends ListPaths> = Page<P> extends { data: Array<infer T> } ? T : never;
