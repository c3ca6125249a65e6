import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { prepareDatabase } from './bootstrap.js';
import type { Config } from './config.js';
import { purgeExpiredIdempotencyKeys } from './platform/idempotency.js';
import { startWebhookWorker } from './modules/webhooks/index.js';

/** config -> database -> migrations -> app -> listen */
export async function startServer(config: Config): Promise<FastifyInstance> {
  const { database, report } = await prepareDatabase(config);
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
  const webhooks = startWebhookWorker(database.db, { timeoutMs: config.webhookTimeoutMs, log: app.log });
  app.addHook('onClose', async () => {
    clearInterval(purge);
    clearInterval(memoryLog);
    await webhooks.stop();
    await database.close();
  });
  await purgeExpiredIdempotencyKeys(database.db);

  // Start-up speaks through the logger, like every request after it: migrations, then listening.
  if (report.migrationsApplied.length)
    app.log.info({ migrations: report.migrationsApplied }, `database migrated: ${report.migrationsApplied.join(', ')}`);
  else app.log.info('database up to date');
  if (report.adoptedAdminKey) app.log.info('admin API key taken from ADMIN_API_KEY');
  if (report.configuredAdminKeyUnusable) {
    app.log.warn(
      `ADMIN_API_KEY names a key that is ${report.configuredAdminKeyUnusable}; it is not adopted again. Create an admin key with \`opsline keys create --scopes "*"\` and remove ADMIN_API_KEY from the environment.`,
    );
  }
  await app.listen({
    port: config.port,
    host: config.host,
    listenTextResolver: (address) =>
      `Opsline listening on ${address} (database: ${database.dialect}); API docs at ${address}/docs`,
  });

  if (report.generatedAdminKey) {
    const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${(app.server.address() as { port: number }).port}`;
    // Shown once, on purpose: the key is stored only as a hash. A log level that hides info
    // would hide it for good, so then it goes to stderr as plain text.
    const text =
      `Created the first admin API key (shown only this once, store it now): ${report.generatedAdminKey} ` +
      `Try it: curl -s ${base}/v1/customers -H "Authorization: Bearer ${report.generatedAdminKey}"`;
    if (['info', 'debug', 'trace'].includes(config.logLevel)) app.log.info(text);
    else process.stderr.write(`${text}\n`);
  }
  return app;
}
