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

/** Opens the database, brings its schema up to date and makes sure an admin key exists. */
export async function prepareDatabase(
  config: Pick<Config, 'databaseUrl' | 'adminApiKey' | 'databasePoolSize'>,
): Promise<{ database: DatabaseHandle; report: StartupReport }> {
  const database = openDatabase(config.databaseUrl, { backgroundCheckpoints: true, poolSize: config.databasePoolSize });
  try {
    const migrationsApplied = await migrateToLatest(database.db);
    const report: StartupReport = { migrationsApplied };
    // A configured key that was revoked (or expired) stays so: adopting it again would undo the
    // revocation, and inserting it again breaks on its unique hash. The start goes on and warns.
    const configured = config.adminApiKey ? await apiKeyStatusBySecret(database.db, config.adminApiKey) : undefined;
    if (configured && configured !== 'active') report.configuredAdminKeyUnusable = configured;
    if ((await countActiveAdminKeys(database.db)) === 0) {
      if (config.adminApiKey) {
        if (!configured) {
          await createApiKey(database.db, { name: 'admin (ADMIN_API_KEY)', scopes: ['*'], secret: config.adminApiKey });
          report.adoptedAdminKey = true;
        }
      } else {
        const { secret } = await createApiKey(database.db, { name: 'admin (first start)', scopes: ['*'] });
        report.generatedAdminKey = secret;
      }
    }
    return { database, report };
  } catch (err) {
    await database.close();
    throw err;
  }
}
