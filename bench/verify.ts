/**
 * `npx tsx bench/verify.ts`: times `opsline verify` on a large ledger. Seeds VERIFY_ITEMS (default
 * 100,000) inventory items, three movements each and one reservation each (half of them active)
 * straight into a temporary SQLite database with set-based SQL, then runs the real command on it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { openDatabase } from '../src/db/connection.js';
import { migrateToLatest } from '../src/db/migrator.js';

const ITEMS = Number(process.env.VERIFY_ITEMS ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'opsline-verify-'));
const databaseUrl = `sqlite:${join(dir, 'verify.db')}`;

try {
  const { db, close } = openDatabase(databaseUrl);
  await migrateToLatest(db);
  const seeded = performance.now();
  const location = (await db.selectFrom('locations').select('id').where('is_default', '=', 1).executeTakeFirstOrThrow())
    .id;
  const now = new Date().toISOString();
  const numbers = sql`with recursive n(i) as (select 1 union all select i + 1 from n where i < ${ITEMS})`;
  await db.transaction().execute(async (trx) => {
    // on_hand = 10 - 3 + i % 5 and reserved = 2 on even items: exactly what the rows below sum to.
    await sql`${numbers} insert into inventory_items (id, sku, location_id, uom, on_hand, reserved, incoming, reorder_point, safety_stock,
      lot_tracked, serial_tracked, metadata, search_text, version, created_at, updated_at)
      select printf('inv_%010d', i), printf('SKU-%06d', i), ${location}, 'each', 7 + i % 5, case when i % 2 = 0 then 2 else 0 end, 0, 3, 0,
      0, 0, '{}', printf('sku-%06d', i), 1, ${now}, ${now} from n`.execute(trx);
    for (const [k, quantity, reason] of [
      [1, sql`10`, 'receipt'],
      [2, sql`-3`, 'shipment'],
      [3, sql`i % 5`, 'adjustment'],
    ] as const) {
      await sql`${numbers} insert into inventory_movements (id, inventory_item_id, quantity, reason, created_at)
        select printf('mov_%d_%010d', ${k}, i), printf('inv_%010d', i), ${quantity}, ${reason}, ${now} from n`.execute(
        trx,
      );
    }
    await sql`${numbers} insert into inventory_reservations (id, inventory_item_id, quantity, reference_type, reference_id, status, created_at, updated_at)
      select printf('rsv_%010d', i), printf('inv_%010d', i), case when i % 2 = 0 then 2 else 1 end, 'bench', printf('b%d', i),
      case when i % 2 = 0 then 'active' else 'released' end, ${now}, ${now} from n`.execute(trx);
  });
  await sql`analyze`.execute(db);
  await close();
  console.log(
    `Seeded ${ITEMS} items, ${ITEMS * 3} movements, ${ITEMS} reservations in ${Math.round(performance.now() - seeded)} ms.`,
  );

  const started = performance.now();
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'verify'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
  });
  console.log(out.trim());
  console.log(`opsline verify, whole process (start-up included): ${Math.round(performance.now() - started)} ms.`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
