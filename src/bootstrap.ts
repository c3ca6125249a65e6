import type { Config } from './config.js';
import type { DatabaseHandle } from './db/connection.js';
import { openDatabase } from './db/connection.js';
import { migrateToLatest } from './db/migrator.js';
import { countActiveAdminKeys, createApiKey } from './modules/api-keys/service.js';

export interface StartupReport {
  migrationsApplied: string[];
  /** Set when this start created the first admin key from nothing: shown once, never stored. */
  generatedAdminKey?: string;
  adoptedAdminKey?: boolean;
}

/** Opens the database, brings its schema up to date and makes sure an admin key exists. */
export async function prepareDatabase(config: Pick<Config, 'databaseUrl' | 'adminApiKey'>): Promise<{ database: DatabaseHandle; report: StartupReport }> {
  const database = openDatabase(config.databaseUrl, { backgroundCheckpoints: true });
  try {
    const migrationsApplied = await migrateToLatest(database.db);
    const report: StartupReport = { migrationsApplied };
    if ((await countActiveAdminKeys(database.db)) === 0) {
      if (config.adminApiKey) {
        await createApiKey(database.db, { name: 'admin (ADMIN_API_KEY)', scopes: ['*'], secret: config.adminApiKey });
        report.adoptedAdminKey = true;
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
