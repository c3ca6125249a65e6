import { z } from 'zod';

/** Environment -> typed configuration. Every setting has a default that works on a fresh machine. */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.string().default('sqlite:./data/opsline.db'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(1000),
  AUTH_FAILURE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(60),
  ADMIN_API_KEY: z.string().min(16).optional(),
  BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(1024 * 1024),
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
  };
}
