import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { DB } from './connection.js';
import { migrations } from './migrations/index.js';

/** Migrations are compiled into the program (no file-system scanning), in name order. */
const provider: MigrationProvider = {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  },
};

export async function migrateToLatest(db: DB): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
