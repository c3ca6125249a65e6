import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { dialectOf } from './connection.js';

async function onServer(baseUrl: string, query: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    return await client.query(query, params);
  } finally {
    await client.end();
  }
}

/**
 * A database for one test or bench run: a temporary SQLite file, or a new PostgreSQL database on
 * the server of `baseUrl`. `drop` removes it; call it after closing every connection to it.
 */
export async function createThrowawayDatabase(
  baseUrl: string,
  label: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  if (dialectOf(baseUrl || 'sqlite:') === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), `opsline-${label}-`));
    return {
      url: `sqlite:${join(dir, `${label}.db`)}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `opsline_${label}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await onServer(baseUrl, `CREATE DATABASE ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      // A closed pool's sockets are still shutting down for a moment; forcing the drop then makes
      // the server kill them, and their clients report an uncaught error. Wait for them first.
      for (let i = 0; i < 100; i++) {
        const { rows } = await onServer(baseUrl, 'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [
          name,
        ]);
        if (rows[0].n === 0) break;
        await sleep(50);
      }
      await onServer(baseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
