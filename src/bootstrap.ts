import { sql } from 'kysely';
import type { Config } from './config.js';
import type { DatabaseHandle } from './db/connection.js';
import { openDatabase } from './db/connection.js';
import { migrateToLatest } from './db/migrator.js';
import { apiKeyStatusBySecret, countActiveAdminKeys, createApiKey } from './modules/api-keys/index.js';

export interface StartupReport {
  migrationsApplied: string[];
  /** Set when this start created the first admin key from nothing: shown once, never stored. */
  generatedAdminKey?: string;
  adoptedAdminKey?: boolean;
  /** ADMIN_API_KEY names a key that was revoked or has expired: it is not adopted again. */
  configuredAdminKeyUnusable?: 'revoked' | 'expired';
}

/** The server's database connection, opened the same way by `serve` and by each `--workers` process. */
export function openServerDatabase(config: Pick<Config, 'databaseUrl' | 'databasePoolSize'>): DatabaseHandle {
  return openDatabase(config.databaseUrl, { backgroundCheckpoints: true, poolSize: config.databasePoolSize });
}

/** Opens the database, brings its schema up to date and makes sure an admin key exists. */
export async function prepareDatabase(
  config: Pick<Config, 'databaseUrl' | 'adminApiKey' | 'databasePoolSize'>,
): Promise<{ database: DatabaseHandle; report: StartupReport }> {
  const database = openServerDatabase(config);
  try {
    const migrationsApplied = await migrateToLatest(database.db);
    const report: StartupReport = { migrationsApplied };
    // Processes started at once on one PostgreSQL (replicas, not --workers, whose primary does this
    // alone) take turns here, so one first key is made and ADMIN_API_KEY is inserted once.
    await database.db.transaction().execute(async (trx) => {
      if (database.dialect === 'postgres')
        await sql`select pg_advisory_xact_lock(hashtext('opsline first admin key'))`.execute(trx);
      // A configured key that was revoked (or expired) stays so: adopting it again would undo the
      // revocation, and inserting it again breaks on its unique hash. The start goes on and warns.
      const configured = config.adminApiKey ? await apiKeyStatusBySecret(trx, config.adminApiKey) : undefined;
      if (configured && configured !== 'active') report.configuredAdminKeyUnusable = configured;
      if ((await countActiveAdminKeys(trx)) === 0) {
        if (config.adminApiKey) {
          if (!configured) {
            await createApiKey(trx, { name: 'admin (ADMIN_API_KEY)', scopes: ['*'], secret: config.adminApiKey });
            report.adoptedAdminKey = true;
          }
        } else {
          const { secret } = await createApiKey(trx, { name: 'admin (first start)', scopes: ['*'] });
          report.generatedAdminKey = secret;
        }
      }
    });
    return { database, report };
  } catch (err) {
    await database.close();
    throw err;
  }
}
