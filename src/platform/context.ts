/** What a service needs to know about who asked: carried from the route, never an HTTP type. */
export interface RequestContext {
  requestId: string;
  apiKeyId?: string;
  /** Set when the request claimed an Idempotency-Key: the command's events carry it. */
  idempotencyToken?: string;
}

/** Parsed If-Match header: the version the caller last saw, if it sent one. */
export type ExpectedVersion = number | undefined;
