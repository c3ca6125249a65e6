import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isTransientConflict } from '../db/transaction.js';
import type { RequestContext } from './context.js';
import type { JsonText } from './json.js';
import { ApiError, BadRequestError, type ErrorDetail } from './errors.js';

/** The API's one error shape, also published in the OpenAPI document. */
export const ErrorSchema = z
  .object({
    error: z.object({
      type: z.string().describe('invalid_request_error, authentication_error, permission_error, not_found, conflict, precondition_failed, rate_limited or api_error'),
      code: z.string().describe('Specific reason, e.g. validation_error, invalid_transition, insufficient_inventory, already_exists'),
      message: z.string(),
      param: z.string().optional(),
      details: z.unknown().optional(),
      request_id: z.string(),
    }),
  })
  .meta({ id: 'Error' });

/** Error responses for a route's OpenAPI entry; every authenticated route can answer 400/401/403/429/500. */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorSchema> {
  const all = new Set([400, 401, 403, 429, 500, ...statuses]);
  return Object.fromEntries([...all].sort().map((s) => [s, ErrorSchema]));
}

export const IdParams = z.object({ id: z.string().min(1).max(100) });

export const DeletedSchema = z.object({ id: z.string(), object: z.string(), deleted: z.literal(true) });

export function contextOf(request: FastifyRequest): RequestContext {
  return { requestId: String(request.id), apiKeyId: request.apiKey?.id, idempotencyToken: request.idempotency?.token };
}

/** Sends JSON text (a stored document) as it is instead of parsing and serializing it again. */
export function sendJsonText(reply: FastifyReply, text: JsonText): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(text);
}

/** The version a write expects, from `If-Match: 3` or `If-Match: "3"`. */
export function expectedVersion(request: FastifyRequest): number | undefined {
  const raw = request.headers['if-match'];
  if (raw === undefined) return undefined;
  const value = String(raw).trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
  if (!/^\d+$/.test(value)) throw new BadRequestError('validation_error', 'If-Match must be the integer version of the record.', 'If-Match');
  return Number(value);
}

/** "line_items.0.quantity" -> "line_items[0].quantity" */
function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), '');
}

/** Flattens zod issues into one detail per bad field; unknown query parameters get a clear word. */
export function zodIssuesToDetails(issues: ReadonlyArray<z.core.$ZodIssue>, where?: string): ErrorDetail[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key]),
        code: 'unknown_parameter',
        message: where === 'querystring' ? `Unknown filter or parameter "${key}"` : `Unknown field "${key}"`,
      }));
    }
    return [{ path: formatPath(issue.path), code: issue.code, message: issue.message }];
  });
}

/** fastify-type-provider-zod reports each issue as {keyword, instancePath: "/a/0/b", message, params}. */
function fastifyValidationToIssues(validation: ReadonlyArray<{ keyword: string; instancePath: string; message?: string; params: Record<string, unknown> }>) {
  return validation.map((v) => ({
    ...v.params,
    code: v.keyword,
    message: v.message ?? 'Invalid value',
    path: v.instancePath.split('/').filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
  })) as unknown as z.core.$ZodIssue[];
}

function send(reply: FastifyReply, request: FastifyRequest, err: ApiError) {
  const body: Record<string, unknown> = { type: err.type, code: err.code, message: err.message };
  if (err.extra.param !== undefined) body.param = err.extra.param;
  if (err.extra.details !== undefined) body.details = err.extra.details;
  body.request_id = String(request.id);
  return reply.code(err.statusCode).type('application/json').send({ error: body });
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    try {
      return handleError(error, request, reply);
    } catch (failure) {
      request.log.error({ err: failure, original: error }, 'error handler failed');
      return send(reply, request, new ApiError(500, 'api_error', 'api_error', 'An internal error occurred; it has been logged with this request id.'));
    }
  });

  app.setNotFoundHandler((request, reply) =>
    send(reply, request, new ApiError(404, 'not_found', 'route_not_found', `No route ${request.method} ${request.url.split('?')[0]}.`)),
  );
}

function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    if (error instanceof ApiError) return send(reply, request, error);
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = error.validationContext;
      const issues = fastifyValidationToIssues(error.validation as any);
      const details = zodIssuesToDetails(issues, where).map((d) => ({ ...d, in: where === 'querystring' ? 'query' : where }));
      const unknown = details.filter((d) => d.code === 'unknown_parameter');
      const message = where === 'body' && request.body == null
        ? 'This request needs a JSON body (Content-Type: application/json).'
        : unknown.length && unknown.length === details.length
          ? `${unknown.map((d) => d.message).join('; ')}.`
          : `Invalid ${where === 'querystring' ? 'query parameters' : where ?? 'request'}: ${details.map((d) => `${d.path || '(root)'}: ${d.message}`).join('; ')}`;
      return send(reply, request, new ApiError(400, 'invalid_request_error', 'validation_error', message, { details, param: details[0]?.path || undefined }));
    }
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return send(reply, request, new ApiError(413, 'invalid_request_error', 'payload_too_large', 'The request body is larger than the limit.'));
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return send(reply, request, new ApiError(415, 'invalid_request_error', 'unsupported_media_type', 'Send JSON with Content-Type: application/json.'));
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return send(reply, request, new ApiError(400, 'invalid_request_error', 'invalid_json', 'The request body is not valid JSON.'));
    }
    if (isTransientConflict(error)) {
      // Still racing after inTransaction's retries: nothing was written, and the caller may retry.
      return send(reply, request, new ApiError(409, 'conflict', 'concurrent_update', 'Other requests were changing the same records at the same moment; nothing was changed. Retry the request.'));
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return send(reply, request, new ApiError(error.statusCode, 'invalid_request_error', 'invalid_request', error.message));
    }
    request.log.error({ err: error }, 'unhandled error');
    return send(reply, request, new ApiError(500, 'api_error', 'api_error', 'An internal error occurred; it has been logged with this request id.'));
}
