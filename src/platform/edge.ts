import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, BadRequestError } from './errors.js';
import { newId } from '../db/ids.js';

/**
 * What the server refuses before any route sees a request, each in the API's error shape: bodies
 * that are not JSON or carry prototype keys, NUL characters anywhere, URLs Fastify cannot route,
 * and requests Node's parser gives up on (timeouts, oversized or malformed headers).
 */

/** "line_items.0.name" style paths, as validation errors name fields: line_items[0].name */
function pathOf(parts: ReadonlyArray<string | number>): string {
  return parts.reduce<string>(
    (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part),
    '',
  );
}

function forbiddenKey(path: ReadonlyArray<string | number>, key: string): ApiError {
  const where = path.length ? ` (in ${pathOf(path)})` : '';
  return new BadRequestError(
    'forbidden_key',
    `"${key}" is not allowed as a field name${where}: it could change the prototype of the objects the request is read into.`,
    pathOf([...path, key]),
  );
}

/** `__proto__` anywhere, or `constructor` holding `prototype`: what secure-json-parse refuses, named. */
function assertNoPrototypeKeys(value: unknown, path: Array<string | number>): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertNoPrototypeKeys(v, [...path, i]));
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    if (key === '__proto__') throw forbiddenKey(path, key);
    if (key === 'constructor' && v !== null && typeof v === 'object' && Object.hasOwn(v, 'prototype'))
      throw forbiddenKey([...path, key], 'prototype');
    assertNoPrototypeKeys(v, [...path, key]);
  }
}

/**
 * The JSON body parser: JSON.parse (which makes `__proto__` an own property, harmless until code
 * copies it with assignment), then a refusal of prototype keys that says what is refused and why.
 */
export function parseJsonBody(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadRequestError('invalid_json', 'The request body is not valid JSON.');
  }
  // Checked only when the text could spell such a key (literally or with \u escapes).
  if (text.includes('__proto__') || text.includes('prototype') || text.includes('\\u'))
    assertNoPrototypeKeys(value, []);
  return value;
}

const NUL = '\u0000';

/** The path of the first string (or key) holding a NUL character, or undefined. */
function findNul(value: unknown, path: Array<string | number>): string | undefined {
  if (typeof value === 'string') return value.includes(NUL) ? pathOf(path) || '(root)' : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNul(value[i], [...path, i]);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, v] of Object.entries(value)) {
    if (key.includes(NUL)) return pathOf([...path, key.replaceAll(NUL, '\\u0000')]);
    const found = findNul(v, [...path, key]);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * PostgreSQL cannot store a NUL character in text (and SQLite truncates at it in places), so one
 * check refuses it in every body string and key, path parameter and query value, before any
 * route's schema or service sees it.
 */
export function registerNulCheck(app: FastifyInstance): void {
  const sources = [
    ['path', 'params'],
    ['query', 'query'],
    ['body', 'body'],
  ] as const;
  app.addHook('preValidation', async (request) => {
    for (const [where, field] of sources) {
      const found = findNul(request[field], []);
      if (found === undefined) continue;
      throw new ApiError(
        400,
        'invalid_request_error',
        'invalid_string',
        `${where === 'body' ? 'The body field' : where === 'path' ? 'The path parameter' : 'The query parameter'} ${found} contains a NUL character (\\u0000), which no text may hold.`,
        {
          param: found,
          details: [
            { path: found, in: where, code: 'invalid_string', message: 'Must not contain a NUL character (\\u0000)' },
          ],
        },
      );
    }
  });
}

function errorBody(requestId: string, err: ApiError): string {
  return JSON.stringify({ error: { type: err.type, code: err.code, message: err.message, request_id: requestId } });
}

/** Fastify's own routing errors (an undecodable URL, a path parameter over maxParamLength). */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  let err: ApiError;
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      err = new BadRequestError(
        'invalid_url',
        'The URL is not valid: a percent-encoding does not decode to UTF-8 text.',
      );
      break;
    case 'FST_ERR_MAX_PARAM_LENGTH':
      err = new ApiError(
        414,
        'invalid_request_error',
        'path_parameter_too_long',
        'A path parameter is longer than the longest id (100 characters).',
      );
      break;
    default:
      if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
        err = new ApiError(error.statusCode, 'invalid_request_error', 'invalid_request', error.message);
      else {
        request.log.error({ err: error }, 'framework error');
        err = new ApiError(
          500,
          'api_error',
          'api_error',
          'An internal error occurred; it has been logged with this request id.',
        );
      }
  }
  const id = String(request.id);
  reply.code(err.statusCode).header('X-Request-Id', id).type('application/json').send(errorBody(id, err));
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them: answered on the socket in the API's
 * error shape (with a fresh request id), then the connection is closed.
 */
export function clientErrorHandler(this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  let err: ApiError;
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      err = new ApiError(408, 'invalid_request_error', 'request_timeout', 'The request was not received in time.');
      break;
    case 'HPE_HEADER_OVERFLOW':
      err = new ApiError(
        431,
        'invalid_request_error',
        'headers_too_large',
        'The request headers are larger than the limit.',
      );
      break;
    case 'HPE_INVALID_HEADER_TOKEN':
    case 'HPE_INVALID_CONSTANT':
    case 'HPE_LF_EXPECTED':
    case 'HPE_CR_EXPECTED':
      err = new BadRequestError(
        'invalid_header',
        'A request header is malformed or holds a character headers may not hold.',
      );
      break;
    default:
      err = new BadRequestError('malformed_request', 'The request is not a well-formed HTTP request.');
  }
  this.log.debug({ err: error }, 'client error');
  // Like Node's own handler: nothing is written when an answer is already under way on the socket.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const id = newId('req');
    const body = errorBody(id, err);
    socket.write(
      `HTTP/1.1 ${err.statusCode} ${STATUS_CODES[err.statusCode]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${id}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
