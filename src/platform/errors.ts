/**
 * Domain errors. Services throw these; the one error handler in app.ts turns them into the API's
 * error shape {"error":{type,code,message,param?,details?,request_id}}.
 */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found'
  | 'conflict'
  | 'precondition_failed'
  | 'rate_limited'
  | 'api_error';

export interface ErrorDetail {
  path: string;
  message: string;
  code?: string;
}

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly type: ErrorType,
    readonly code: string,
    message: string,
    readonly extra: { param?: string; details?: unknown } = {},
  ) {
    super(message);
  }
}

export class ValidationError extends ApiError {
  constructor(message: string, details: ErrorDetail[] = [], param?: string) {
    super(400, 'invalid_request_error', 'validation_error', message, { details, param: param ?? details[0]?.path });
  }
}

/** A 400 with a specific code (e.g. idempotency_key_reused, unknown_parameter). */
export class BadRequestError extends ApiError {
  constructor(code: string, message: string, param?: string) {
    super(400, 'invalid_request_error', code, message, { param });
  }
}

export class AuthenticationError extends ApiError {
  constructor(message = 'A valid API key is required: send "Authorization: Bearer sk_...".') {
    super(401, 'authentication_error', 'invalid_api_key', message);
  }
}

export class PermissionError extends ApiError {
  constructor(scope: string) {
    super(403, 'permission_error', 'missing_scope', `This API key lacks the "${scope}" scope.`, {
      details: { required_scope: scope },
    });
  }
}

export class NotFoundError extends ApiError {
  /** `param` names the request field that held the id when it is not the path's `id`. */
  constructor(objectName: string, id: string, param = 'id') {
    super(404, 'not_found', 'not_found', `No ${objectName} with id "${id}".`, { param });
  }
}

export class ConflictError extends ApiError {
  constructor(code: string, message: string, details?: unknown, param?: string) {
    super(409, 'conflict', code, message, { details, param });
  }
}

export class InvalidTransitionError extends ConflictError {
  constructor(objectName: string, action: string, currentStatus: string) {
    super('invalid_transition', `Cannot ${action} ${objectName} in status "${currentStatus}".`, {
      action,
      current_status: currentStatus,
    });
  }
}

export class PreconditionFailedError extends ApiError {
  constructor(expected: string, actual: number) {
    super(
      412,
      'precondition_failed',
      'precondition_failed',
      `If-Match version ${expected} does not match the current version ${actual}.`,
      { details: { current_version: actual } },
    );
  }
}

/** 412 when the caller's If-Match version is not the record's current one. */
export function assertExpectedVersion(expected: number | undefined, current: number): void {
  if (expected !== undefined && expected !== current) throw new PreconditionFailedError(String(expected), current);
}

/** Database constraint errors, recognised in one place for both dialects. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Runs a write; a unique-constraint violation becomes `conflict()` (409 already_exists, say). */
export async function refuseDuplicate<T>(write: Promise<T>, conflict: () => ApiError): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict();
    throw err;
  }
}

export function isForeignKeyViolation(err: unknown): boolean {
  const e = err as { code?: string };
  return e?.code === '23503' || e?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
