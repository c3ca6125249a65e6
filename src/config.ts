import { z } from 'zod';

/**
 * Limits on slow or idle clients: a request (headers and body) must arrive within its timeouts,
 * an idle keep-alive connection is closed, and connections beyond the cap are refused, so clients
 * that trickle bytes cannot hold the server's sockets.
 */
export const CONNECTION_DEFAULTS = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1_000,
};

/** PostgreSQL connections each server process keeps open at most (DATABASE_POOL_SIZE). */
export const DEFAULT_POOL_SIZE = 16;

/** Environment -> typed configuration. Every setting has a default that works on a fresh machine. */
const envSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().default('127.0.0.1'),
    DATABASE_URL: z.string().default('sqlite:./data/opsline.db'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(1000),
    AUTH_FAILURE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(60),
    ADMIN_API_KEY: z.string().min(16).optional(),
    BODY_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(1024 * 1024),
    REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(CONNECTION_DEFAULTS.requestTimeoutMs),
    HEADERS_TIMEOUT_MS: z.coerce.number().int().positive().default(CONNECTION_DEFAULTS.headersTimeoutMs),
    KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().positive().default(CONNECTION_DEFAULTS.keepAliveTimeoutMs),
    MAX_CONNECTIONS: z.coerce.number().int().positive().default(CONNECTION_DEFAULTS.maxConnections),
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
    DATABASE_POOL_SIZE: z.coerce.number().int().positive().max(1000).default(DEFAULT_POOL_SIZE),
    MEMORY_LOG_MS: z.coerce.number().int().min(0).default(0),
  })
  .refine((e) => e.HEADERS_TIMEOUT_MS <= e.REQUEST_TIMEOUT_MS, {
    path: ['HEADERS_TIMEOUT_MS'],
    message: 'must not exceed REQUEST_TIMEOUT_MS',
  });

export type Config = {
  port: number;
  host: string;
  databaseUrl: string;
  logLevel: string;
  rateLimitPerMinute: number;
  /** Requests answered 401/403 per client address per minute before that address gets 429. */
  authFailureLimitPerMinute: number;
  adminApiKey?: string;
  bodyLimitBytes: number;
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
  /** Time a webhook receiver has to answer. */
  webhookTimeoutMs?: number;
  /** PostgreSQL: connections per server process (each of `--workers N` has its own pool). */
  databasePoolSize?: number;
  /** Debugging: log the process's memory (RSS, V8 heap) every this many ms at info level; 0 = never. */
  memoryLogMs?: number;
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    logLevel: e.LOG_LEVEL,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    authFailureLimitPerMinute: e.AUTH_FAILURE_LIMIT_PER_MINUTE,
    adminApiKey: e.ADMIN_API_KEY,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    headersTimeoutMs: e.HEADERS_TIMEOUT_MS,
    keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS,
    maxConnections: e.MAX_CONNECTIONS,
    webhookTimeoutMs: e.WEBHOOK_TIMEOUT_MS,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    memoryLogMs: e.MEMORY_LOG_MS,
  };
}
