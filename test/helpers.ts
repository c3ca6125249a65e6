import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp, type AppOptions } from '../src/app.js';
import { prepareDatabase } from '../src/bootstrap.js';
import type { DatabaseHandle, DB } from '../src/db/connection.js';
import { createThrowawayDatabase } from '../src/db/throwaway-database.js';
import { createApiKey } from '../src/modules/api-keys/service.js';

/**
 * One database per test run: a temporary SQLite file by default, or a fresh PostgreSQL database
 * (created here, dropped by closeTestDatabase) when DATABASE_URL is a postgres URL.
 */
const baseUrl = process.env.DATABASE_URL ?? '';
export const dialect: 'sqlite' | 'postgres' = /^postgres(ql)?:\/\//.test(baseUrl) ? 'postgres' : 'sqlite';

let shared: Promise<TestContext> | undefined;
const cleanups: Array<() => Promise<void>> = [];

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
}

export interface TestContext {
  app: FastifyInstance;
  db: DB;
  database: DatabaseHandle;
  databaseUrl: string;
  adminKey: string;
  /** Calls the API with the admin key (or `headers.authorization` if given). */
  api<T = any>(
    method: InjectOptions['method'],
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse<T>>;
  /** A new key with these scopes. */
  keyWith(scopes: string[], expiresAt?: string): Promise<string>;
}

async function createDatabaseUrl(): Promise<string> {
  const { url, drop } = await createThrowawayDatabase(baseUrl, 'test');
  cleanups.push(drop);
  return url;
}

export function makeApi(app: FastifyInstance, defaultKey: string): TestContext['api'] {
  return async (method, url, body, headers = {}) => {
    const res = await app.inject({
      method,
      url,
      payload: body === undefined ? undefined : (body as any),
      headers: { authorization: `Bearer ${defaultKey}`, ...headers },
    });
    let parsed: any = undefined;
    try {
      parsed = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      parsed = res.body;
    }
    return { status: res.statusCode, body: parsed, headers: res.headers as any, raw: res.body };
  };
}

export const defaultAppOptions: AppOptions = {
  logLevel: 'silent',
  rateLimitPerMinute: 1_000_000,
  authFailureLimitPerMinute: 1_000_000,
  bodyLimitBytes: 1024 * 1024,
};

async function createContext(): Promise<TestContext> {
  const databaseUrl = await createDatabaseUrl();
  const { database, report } = await prepareDatabase({ databaseUrl });
  const app = await buildApp(database, defaultAppOptions);
  cleanups.unshift(async () => {
    await app.close();
    await database.close();
  });
  const adminKey = report.generatedAdminKey!;
  return {
    app,
    db: database.db,
    database,
    databaseUrl,
    adminKey,
    api: makeApi(app, adminKey),
    keyWith: async (scopes, expiresAt) => (await createApiKey(database.db, { scopes, expires_at: expiresAt })).secret,
  };
}

/** The app and database shared by every test file of this run. */
export function getTestContext(): Promise<TestContext> {
  shared ??= createContext();
  return shared;
}

/** Another app on the shared database, with other options (a low rate limit, a small body limit). */
export async function buildExtraApp(
  options: Partial<AppOptions>,
): Promise<{ app: FastifyInstance; api: TestContext['api'] }> {
  const ctx = await getTestContext();
  const app = await buildApp(ctx.database, { ...defaultAppOptions, ...options });
  cleanups.unshift(() => app.close());
  return { app, api: makeApi(app, ctx.adminKey) };
}

export async function closeTestDatabase(): Promise<void> {
  for (const cleanup of cleanups.splice(0)) await cleanup();
}

/** A unique suffix so records made by different tests never collide in the shared database. */
export function unique(prefix = ''): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}
