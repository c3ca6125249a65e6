import type { ApiError } from './types.js';

/** An error answer of the API (status and its error object), or a request that never got one (status 0). */
export class OpslineError extends Error {
  readonly type: string;
  readonly code: string;
  readonly param?: string;
  readonly details?: unknown;
  readonly requestId?: string;
  /** HTTP status; 0 when no answer arrived (network error). */
  readonly status: number;
  readonly headers?: Headers;

  constructor(init: {
    message: string;
    type: string;
    code: string;
    status: number;
    param?: string;
    details?: unknown;
    requestId?: string;
    headers?: Headers;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'OpslineError';
    this.type = init.type;
    this.code = init.code;
    this.status = init.status;
    this.param = init.param;
    this.details = init.details;
    this.requestId = init.requestId;
    this.headers = init.headers;
  }

  static fromResponse(response: Response, body: unknown, text: string): OpslineError {
    const error = (body as { error?: Partial<ApiError> } | undefined)?.error;
    return new OpslineError({
      message: error?.message ?? `HTTP ${response.status}: ${text.slice(0, 200)}`,
      type: error?.type ?? (response.status >= 500 ? 'api_error' : 'invalid_request_error'),
      code: error?.code ?? `http_${response.status}`,
      status: response.status,
      param: error?.param,
      details: error?.details,
      requestId: error?.request_id ?? response.headers.get('x-request-id') ?? undefined,
      headers: response.headers,
    });
  }

  static connection(cause: unknown, attempts: number): OpslineError {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new OpslineError({
      message: `Could not reach the Opsline API after ${attempts} attempt(s): ${reason}`,
      type: 'connection_error',
      code: 'network_error',
      status: 0,
      cause,
    });
  }
}
