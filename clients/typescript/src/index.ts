export { Opsline, ListCall, type OpslineOptions } from './client.js';
export { OpslineError } from './error.js';
export type * from './types.js';
export { verifySignature } from './webhooks.js';
