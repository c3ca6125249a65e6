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
      type: z
        .string()
        .describe(
          'invalid_request_error, authentication_error, permission_error, not_found, conflict, precondition_failed, rate_limited or api_error',
        ),
      code: z
        .string()
        .describe('Specific reason, e.g. validation_error, invalid_transition, insufficient_inventory, already_exists'),
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
  const value = String(raw)
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
  if (!/^\d+$/.test(value))
    throw new BadRequestError('validation_error', 'If-Match must be the integer version of the record.', 'If-Match');
  return Number(value);
}

/** "line_items.0.quantity" -> "line_items[0].quantity" */
function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>(
    (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)),
    '',
  );
}

/** Flattens zod issues into one detail per bad field; unknown query parameters get a clear word. */
export function zodIssuesToDetails(
  issues: ReadonlyArray<z.core.$ZodIssue>,
  where?: string,
  input?: unknown,
): ErrorDetail[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key]),
        code: 'unknown_parameter',
        message: where === 'querystring' ? `Unknown filter or parameter "${key}"` : `Unknown field "${key}"`,
      }));
    }
    const path = formatPath(issue.path);
    return [{ path, code: issue.code, message: humanMessage(issue, path, valueAt(input, issue.path)) }];
  });
}

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let value = input;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

// Fields that hold integer cents, so "a whole number" can say "of cents".
const CENTS_FIELD =
  /^(price|amount|tax|shipping|unit_price|unit_cost|price_difference|minimum_subtotal|total|subtotal|total_gte|total_lte)$|_(amount|price|cents)$/;
// zod's own English messages; a schema's own message (a refine, a regex with a message) is kept.
const ZOD_DEFAULT_MESSAGE =
  /^(Invalid (input|option|string|number|key|element|email|url|uuid|date|discriminator)|Too (small|big)|Unrecognized key)/;
const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  bigint: 'a whole number',
  date: 'a date',
  null: 'null',
};

function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'an object';
  return String(value);
}

/**
 * A message a person understands, naming the field and what was sent: "reason is required",
 * "price must be a whole number of cents (got 12.5)", "status must be one of: a, b (got "x")".
 */
function humanMessage(issue: z.core.$ZodIssue, path: string, value: unknown): string {
  const field = path || 'The body';
  const leaf = String(issue.path[issue.path.length - 1] ?? '');
  const got = ` (got ${shown(value)})`;
  if (!ZOD_DEFAULT_MESSAGE.test(issue.message)) {
    // A schema's own wording: "Must be ..." reads on from the field name.
    return /^Must /.test(issue.message)
      ? `${field} ${issue.message[0].toLowerCase()}${issue.message.slice(1)}`
      : `${field}: ${issue.message}`;
  }
  const unit =
    issue.code === 'too_small' || issue.code === 'too_big'
      ? issue.origin === 'string'
        ? ' characters'
        : issue.origin === 'array' || issue.origin === 'set'
          ? ' items'
          : ''
      : '';
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined) return `${field} is required`;
      if ((issue.expected === 'int' || issue.expected === 'number') && typeof value === 'number') {
        return `${field} must be a whole number${CENTS_FIELD.test(leaf) ? ' of cents' : ''}${got}`;
      }
      return `${field} must be ${TYPE_WORDS[issue.expected] ?? issue.expected}${got}`;
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return `${field} cannot be empty`;
      return `${field} must ${issue.origin === 'array' || issue.origin === 'string' ? 'have' : 'be'} ${issue.inclusive === false ? 'more than' : 'at least'} ${issue.minimum}${unit}${unit ? '' : got}`;
    case 'too_big':
      return `${field} must ${issue.origin === 'array' || issue.origin === 'string' ? 'have' : 'be'} ${issue.inclusive === false ? 'less than' : 'at most'} ${issue.maximum}${unit}${unit ? '' : got}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `${field} must be ${JSON.stringify(issue.values[0])}${got}`
        : `${field} must be one of: ${issue.values.map(String).join(', ')}${got}`;
    case 'invalid_format':
      if (issue.format === 'email') return `${field} must be an email address${got}`;
      if (issue.format === 'regex') return `${field} is not in the expected format${got}`;
      return `${field} must be a valid ${issue.format}${got}`;
    case 'not_multiple_of':
      return `${field} must be a multiple of ${issue.divisor}${got}`;
    case 'invalid_union':
      return `${field} is not a valid value${got}`;
    default:
      return `${field}: ${issue.message}`;
  }
}

/** fastify-type-provider-zod reports each issue as {keyword, instancePath: "/a/0/b", message, params}. */
function fastifyValidationToIssues(
  validation: ReadonlyArray<{
    keyword: string;
    instancePath: string;
    message?: string;
    params: Record<string, unknown>;
  }>,
) {
  return validation.map((v) => ({
    ...v.params,
    code: v.keyword,
    message: v.message ?? 'Invalid value',
    path: v.instancePath
      .split('/')
      .filter(Boolean)
      .map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
  })) as unknown as z.core.$ZodIssue[];
}

/**
 * Every refused (4xx) or failed (5xx) request is one log line at the default level: request id
 * (reqId, from the request's logger), method, url, status and code, never headers or the body.
 */
function logOutcome(request: FastifyRequest, err: ApiError, cause?: Record<string, unknown>) {
  const fields = { method: request.method, url: request.url, status: err.statusCode, code: err.code, ...cause };
  if (err.statusCode >= 500) request.log.error(fields, 'request failed');
  else request.log.info(fields, 'request refused');
}

function send(reply: FastifyReply, request: FastifyRequest, err: ApiError, cause?: Record<string, unknown>) {
  logOutcome(request, err, cause);
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
      return send(
        reply,
        request,
        new ApiError(
          500,
          'api_error',
          'api_error',
          'An internal error occurred; it has been logged with this request id.',
        ),
        { err: failure, original: error },
      );
    }
  });

  app.setNotFoundHandler((request, reply) =>
    send(
      reply,
      request,
      new ApiError(404, 'not_found', 'route_not_found', `No route ${request.method} ${request.url.split('?')[0]}.`),
    ),
  );
}

function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof ApiError) return send(reply, request, error);
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = error.validationContext;
    const issues = fastifyValidationToIssues(error.validation as any);
    const input =
      where === 'querystring'
        ? request.query
        : where === 'params'
          ? request.params
          : where === 'headers'
            ? request.headers
            : request.body;
    const details = zodIssuesToDetails(issues, where, input).map((d) => ({
      ...d,
      in: where === 'querystring' ? 'query' : where,
    }));
    const unknown = details.filter((d) => d.code === 'unknown_parameter');
    const message =
      where === 'body' && request.body == null
        ? 'This request needs a JSON body (Content-Type: application/json).'
        : unknown.length && unknown.length === details.length
          ? `${unknown.map((d) => d.message).join('; ')}.`
          : `Invalid ${where === 'querystring' ? 'query parameters' : (where ?? 'request')}: ${details.map((d) => d.message).join('; ')}.`;
    return send(
      reply,
      request,
      new ApiError(400, 'invalid_request_error', 'validation_error', message, {
        details,
        param: details[0]?.path || undefined,
      }),
    );
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return send(
        reply,
        request,
        new ApiError(413, 'invalid_request_error', 'payload_too_large', 'The request body is larger than the limit.'),
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return send(
        reply,
        request,
        new ApiError(
          415,
          'invalid_request_error',
          'unsupported_media_type',
          'Send JSON with Content-Type: application/json.',
        ),
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return send(
        reply,
        request,
        new ApiError(400, 'invalid_request_error', 'invalid_json', 'The request body is not valid JSON.'),
      );
  }
  if (isTransientConflict(error)) {
    // Still racing after inTransaction's retries: nothing was written, and the caller may retry.
    return send(
      reply,
      request,
      new ApiError(
        409,
        'conflict',
        'concurrent_update',
        'Other requests were changing the same records at the same moment; nothing was changed. Retry the request.',
      ),
    );
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return send(
      reply,
      request,
      new ApiError(error.statusCode, 'invalid_request_error', 'invalid_request', error.message),
    );
  }
  return send(
    reply,
    request,
    new ApiError(500, 'api_error', 'api_error', 'An internal error occurred; it has been logged with this request id.'),
    { err: error },
  );
}
