import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { openDatabase } from '../src/db/connection.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { dialect, getTestContext, unique } from './helpers.js';
import { newEmail, sleep } from './support.js';
import { sql } from 'kysely';
import { BACKSTOP_CHECKPOINT_PAGES } from '../src/db/sqlite-checkpointer.js';
import { createApiKey, revokeApiKey } from '../src/modules/api-keys/service.js';

// SQLite commits queued transactions together (src/db/sqlite-group-commit.ts).
describe('SQLite group commit', { skip: dialect !== 'sqlite' && 'SQLite only' }, () => {
  it('answers a command only once it is committed: another connection already sees it', async () => {
    const t = await getTestContext();
    const reader = new SQLite(t.databaseUrl.slice('sqlite:'.length), { readonly: true });
    try {
      const seen = await Promise.all(
        Array.from({ length: 24 }, async () => {
          const res = await t.api('POST', '/v1/customers', { email: newEmail('gc') });
          assert.equal(res.status, 201, res.raw);
          // Read at once, from a connection of its own: uncommitted rows would be invisible here.
          return reader.prepare('select count(*) as n from customers where id = ?').get(res.body.id) as { n: number };
        }),
      );
      assert.deepEqual(
        seen.map((r) => r.n),
        Array(24).fill(1),
      );
    } finally {
      reader.close();
    }
  });

  it('answers a write made outside a transaction only once it is committed, even when it joins an open batch', async () => {
    const t = await getTestContext();
    const reader = new SQLite(t.databaseUrl.slice('sqlite:'.length), { readonly: true });
    const keyRow = reader.prepare('select revoked_at from api_keys where id = ?');
    // A transaction holds the connection inside an open batch while single statements queue behind
    // it: they run in that batch, and must not be answered before its COMMIT.
    const inBatch = async <T>(write: () => Promise<T>, committed: (result: T) => void): Promise<T> => {
      let open!: () => void;
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      let started!: () => void;
      const holding = new Promise<void>((resolve) => {
        started = resolve;
      });
      const holder = t.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('counters')
          .values({ name: unique('gc-hold-'), value: 0 })
          .execute();
        started();
        await gate;
      });
      await holding;
      // Checked the moment the write is answered, not once the holder is done too.
      const written = write().then((result) => {
        committed(result);
        return result;
      });
      open();
      const [result] = await Promise.all([written, holder]);
      return result;
    };
    try {
      const { apiKey } = await inBatch(
        () => createApiKey(t.db, { name: 'gc', scopes: ['customers:read'] }),
        ({ apiKey: created }) =>
          assert.ok(keyRow.get(created.id), 'a created key was answered before it was committed'),
      );
      await inBatch(
        () => revokeApiKey(t.db, apiKey.id),
        () =>
          assert.ok(
            (keyRow.get(apiKey.id) as { revoked_at: string | null }).revoked_at,
            'a revoke was answered before it was committed',
          ),
      );
    } finally {
      reader.close();
    }
  });

  it('rolls back a failed command alone; the commands batched with it keep their work', async () => {
    const t = await getTestContext();
    const email = newEmail('dup');
    const tag = unique('gc-');
    const results = await Promise.all([
      t.api('POST', '/v1/customers', { email, tags: [tag] }),
      t.api('POST', '/v1/customers', { email, tags: [tag] }),
      t.api('POST', '/v1/customers', { email: newEmail('gc'), tags: [tag] }),
      t.api('POST', '/v1/customers', { email: newEmail('gc'), tags: [tag] }),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 201, 201, 409]);
    const listed = await t.api('GET', `/v1/customers?tag=${tag}`);
    assert.equal(listed.body.total_count, 3);
    const events = await t.db
      .selectFrom('events')
      .select('object_id')
      .where('type', '=', 'customer.created')
      .where(
        'object_id',
        'in',
        listed.body.data.map((c: { id: string }) => c.id),
      )
      .execute();
    assert.equal(events.length, 3, 'one event per created customer, none for the refused one');
  });

  it('starts the WAL over under constant writes, without the server connection checkpointing, and loses nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opsline-wal-restart-'));
    const path = join(dir, 'db.sqlite');
    // Restart at 100 pages (~400 KB); the backstop stays at BACKSTOP_CHECKPOINT_PAGES (far above).
    const database = openDatabase(`sqlite:${path}`, { backgroundCheckpoints: true, walRestartPages: 100 });
    const writers = 8;
    const rounds = 120;
    try {
      await migrateToLatest(database.db);
      const now = new Date().toISOString();
      // ~75 MB (a row and its overflow page are 2 pages) through concurrent transactions, so the
      // batches come back to back as under load.
      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          for (let round = 0; round < rounds; round++) {
            await database.db.transaction().execute((trx) =>
              trx
                .insertInto('events')
                .values(
                  Array.from({ length: 10 }, (_, i) => ({
                    id: `evt_restart_${w}_${round}_${i}`,
                    type: 'test.filler',
                    object_type: 'test',
                    object_id: `t${i}`,
                    data: 'x'.repeat(4000),
                    request_id: null,
                    created_at: now,
                  })),
                )
                .execute(),
            );
          }
        }),
      );
      const walBytes = statSync(`${path}-wal`).size;
      // Without the restarts it would hold all ~75 MB (the backstop is at 160 MB); with them ~10 MB.
      assert.ok(walBytes < 38_000_000, `the WAL started over: it holds ${walBytes} bytes after ~75 MB was written`);
      const counted = await sql<{ n: number }>`select count(*) as n from events where type = 'test.filler'`.execute(
        database.db,
      );
      assert.equal(counted.rows[0].n, writers * rounds * 10);
    } finally {
      await database.close();
    }
    const reopened = new SQLite(path, { readonly: true });
    try {
      assert.equal(
        (reopened.prepare(`select count(*) as n from events where type = 'test.filler'`).get() as { n: number }).n,
        writers * rounds * 10,
      );
      assert.equal(reopened.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      reopened.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checkpoints from a worker thread: committed pages reach the database file while the server only appends to the WAL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opsline-checkpoint-'));
    const path = join(dir, 'db.sqlite');
    const database = openDatabase(`sqlite:${path}`, { backgroundCheckpoints: true });
    try {
      await migrateToLatest(database.db);
      const server = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(database.db);
      assert.equal(
        server.rows[0].wal_autocheckpoint,
        BACKSTOP_CHECKPOINT_PAGES,
        'the server connection only checkpoints as a backstop',
      );
      const before = statSync(path).size;
      // ~2 MB of rows: far below the backstop, so only the worker can copy them into the file.
      const now = new Date().toISOString();
      for (let batch = 0; batch < 10; batch++) {
        await database.db
          .insertInto('events')
          .values(
            Array.from({ length: 50 }, (_, i) => ({
              id: `evt_ckpt_${batch}_${i}`,
              type: 'test.filler',
              object_type: 'test',
              object_id: `t${i}`,
              data: 'x'.repeat(4000),
              request_id: null,
              created_at: now,
            })),
          )
          .execute();
      }
      let after = statSync(path).size;
      for (let i = 0; i < 40 && after < before + 1_000_000; i++) {
        await sleep(50);
        after = statSync(path).size;
      }
      assert.ok(after >= before + 1_000_000, `the database file grew from ${before} to ${after} bytes`);
    } finally {
      await database.close();
    }
    // Closing stopped the worker and its connection first, so the server's close was the last
    // one: it checkpointed everything and removed the WAL.
    assert.equal(existsSync(`${path}-wal`), false, 'no WAL left behind');
    const reopened = new SQLite(path, { readonly: true });
    try {
      assert.equal(
        (reopened.prepare(`select count(*) as n from events where type = 'test.filler'`).get() as { n: number }).n,
        500,
      );
    } finally {
      reopened.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
