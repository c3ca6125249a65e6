import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { prepareDatabase } from './bootstrap.js';
import type { Config } from './config.js';
import { purgeExpiredIdempotencyKeys } from './platform/idempotency.js';

/** config -> database -> migrations -> app -> listen */
export async function startServer(config: Config): Promise<FastifyInstance> {
  const { database, report } = await prepareDatabase(config);
  const app = await buildApp(database, config);
  const purge = setInterval(() => void purgeExpiredIdempotencyKeys(database.db).catch((err) => app.log.warn({ err }, 'idempotency purge failed')), 3_600_000);
  purge.unref();
  app.addHook('onClose', async () => {
    clearInterval(purge);
    await database.close();
  });
  await purgeExpiredIdempotencyKeys(database.db);
  await app.listen({ port: config.port, host: config.host });

  const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${(app.server.address() as { port: number }).port}`;
  if (report.migrationsApplied.length) app.log.info({ migrations: report.migrationsApplied }, 'database migrated');
  if (report.configuredAdminKeyUnusable) {
    app.log.warn(`ADMIN_API_KEY names a key that is ${report.configuredAdminKeyUnusable}; it is not adopted again. Create an admin key with \`opsline keys create --scopes "*"\` and remove ADMIN_API_KEY from the environment.`);
  }
  if (report.generatedAdminKey) {
    // Printed once, on purpose, to the terminal: the key is stored only as a hash.
    process.stdout.write(
      `\nCreated the first admin API key (shown only this once, store it now):\n\n  ${report.generatedAdminKey}\n\n` +
        `Try it:\n  curl -s ${base}/v1/customers -H "Authorization: Bearer ${report.generatedAdminKey}"\n\n`,
    );
  }
  process.stdout.write(`Opsline listening on ${base} (database: ${database.dialect}); API docs at ${base}/docs\n`);
  return app;
}
