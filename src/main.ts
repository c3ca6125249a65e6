import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { openServerDatabase, prepareDatabase, type StartupReport } from './bootstrap.js';
import type { Config } from './config.js';
import { purgeExpiredIdempotencyKeys } from './platform/idempotency.js';
import { startWebhookWorker } from './modules/webhooks/index.js';

/** What start-up reports go through: the app's logger, or the `--workers` primary's. */
export interface StartupLog {
  info(msg: string): void;
  info(obj: object, msg: string): void;
  warn(msg: string): void;
}

export interface ServerOptions {
  /**
   * A `--workers` process: the primary has already migrated the database and made the first admin
   * key, once, so N processes do not race to do it.
   */
  preparedByPrimary?: boolean;
}

/** config -> database -> migrations -> app -> listen */
export async function startServer(config: Config, options: ServerOptions = {}): Promise<FastifyInstance> {
  const { database, report } = options.preparedByPrimary
    ? {
        database: openServerDatabase(config),
        report: undefined,
      }
    : await prepareDatabase(config);
  const app = await buildApp(database, config);
  const purge = setInterval(
    () =>
      void purgeExpiredIdempotencyKeys(database.db).catch((err) => app.log.warn({ err }, 'idempotency purge failed')),
    3_600_000,
  );
  purge.unref();
  // Debugging aid (npm run bench reads it): one `memory` line per interval, sizes in bytes.
  const memoryLog = config.memoryLogMs
    ? setInterval(() => app.log.info({ memory: process.memoryUsage() }, 'memory'), config.memoryLogMs)
    : undefined;
  memoryLog?.unref();
  // Delivers events to webhook endpoints; idle (one small read per poll) while there are none.
  // With --workers every process runs one: a round's dispatch holds the cursor row FOR UPDATE SKIP
  // LOCKED and claims deliveries with a lease, so the processes share the sending, never doubling it.
  const webhooks = startWebhookWorker(database.db, { timeoutMs: config.webhookTimeoutMs, log: app.log });
  app.addHook('onClose', async () => {
    clearInterval(purge);
    clearInterval(memoryLog);
    await webhooks.stop();
    await database.close();
  });
  await purgeExpiredIdempotencyKeys(database.db);

  // Start-up speaks through the logger, like every request after it: migrations, then listening.
  if (report) logStartupReport(app.log, report);
  await app.listen({
    port: config.port,
    host: config.host,
    listenTextResolver: (address) =>
      `Opsline listening on ${address} (database: ${database.dialect}); API docs at ${address}/docs`,
  });

  if (report?.generatedAdminKey)
    announceAdminKey(app.log, config, (app.server.address() as { port: number }).port, report.generatedAdminKey);
  return app;
}

/** Migrations applied and admin-key outcomes, as start-up log lines. */
export function logStartupReport(log: StartupLog, report: StartupReport): void {
  if (report.migrationsApplied.length)
    log.info({ migrations: report.migrationsApplied }, `database migrated: ${report.migrationsApplied.join(', ')}`);
  else log.info('database up to date');
  if (report.adoptedAdminKey) log.info('admin API key taken from ADMIN_API_KEY');
  if (report.configuredAdminKeyUnusable) {
    log.warn(
      `ADMIN_API_KEY names a key that is ${report.configuredAdminKeyUnusable}; it is not adopted again. Create an admin key with \`opsline keys create --scopes "*"\` and remove ADMIN_API_KEY from the environment.`,
    );
  }
}

/** Shows the first admin key, once it can be tried on the port the server listens on. */
export function announceAdminKey(
  log: StartupLog,
  config: Pick<Config, 'host' | 'logLevel'>,
  port: number,
  secret: string,
): void {
  const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  // Shown once, on purpose: the key is stored only as a hash. A log level that hides info
  // would hide it for good, so then it goes to stderr as plain text.
  const text =
    `Created the first admin API key (shown only this once, store it now): ${secret} ` +
    `Try it: curl -s ${base}/v1/customers -H "Authorization: Bearer ${secret}"`;
  if (['info', 'debug', 'trace'].includes(config.logLevel)) log.info(text);
  else process.stderr.write(`${text}\n`);
}
