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

/** Names of the migrations this program knows that the database has not applied yet. */
export async function pendingMigrations(db: DB): Promise<string[]> {
  const infos = await new Migrator({ db, provider }).getMigrations();
  return infos.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
