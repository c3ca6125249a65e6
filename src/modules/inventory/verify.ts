import { sql } from 'kysely';
import type { Executor } from '../../db/connection.js';

/**
 * `opsline verify`: checks the ledger's invariants for every inventory item at once. on_hand must
 * equal the sum of the item's movements, reserved the sum of its active reservations, in_transit the
 * sum of the transfers in transit to it, and neither reserved nor available may be negative.
 * Set-based (three GROUP BYs joined to the items), so it
 * reads each table once however many items there are.
 */

export interface InventoryDrift {
  inventory_item_id: string;
  sku: string;
  location_id: string;
  on_hand: number;
  expected_on_hand: number;
  reserved: number;
  expected_reserved: number;
  in_transit: number;
  expected_in_transit: number;
  problems: string[];
}

export interface VerifyReport {
  ok: boolean;
  items_checked: number;
  drifts: InventoryDrift[];
  duration_ms: number;
}

export async function verifyInventory(db: Executor): Promise<VerifyReport> {
  const started = performance.now();
  // One statement, so PostgreSQL answers from one snapshot even while writes go on.
  const [drifts, count] = await Promise.all([
    sql<{
      id: string;
      sku: string;
      location_id: string;
      on_hand: unknown;
      reserved: unknown;
      expected_on_hand: unknown;
      expected_reserved: unknown;
      in_transit: unknown;
      expected_in_transit: unknown;
    }>`
      select i.id, i.sku, i.location_id, i.on_hand, i.reserved, i.in_transit,
             coalesce(m.total, 0) as expected_on_hand, coalesce(r.total, 0) as expected_reserved, coalesce(t.total, 0) as expected_in_transit
      from inventory_items i
      left join (select inventory_item_id, sum(quantity) as total from inventory_movements group by inventory_item_id) m
        on m.inventory_item_id = i.id
      left join (select inventory_item_id, sum(quantity) as total from inventory_reservations where status = 'active' group by inventory_item_id) r
        on r.inventory_item_id = i.id
      left join (select to_item_id, sum(quantity) as total from transfers where status = 'in_transit' group by to_item_id) t
        on t.to_item_id = i.id
      where i.on_hand <> coalesce(m.total, 0)
         or i.in_transit <> coalesce(t.total, 0)
         or i.reserved <> coalesce(r.total, 0)
         or i.reserved < 0 or i.on_hand < i.reserved
         or coalesce(r.total, 0) < 0 or coalesce(m.total, 0) < coalesce(r.total, 0)
      order by i.sku, i.location_id`.execute(db),
    db
      .selectFrom('inventory_items')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  const report = drifts.rows.map((row): InventoryDrift => {
    // PostgreSQL returns sum(bigint) as numeric, which arrives as a string.
    const d = {
      inventory_item_id: row.id,
      sku: row.sku,
      location_id: row.location_id,
      on_hand: Number(row.on_hand),
      expected_on_hand: Number(row.expected_on_hand),
      reserved: Number(row.reserved),
      expected_reserved: Number(row.expected_reserved),
      in_transit: Number(row.in_transit),
      expected_in_transit: Number(row.expected_in_transit),
    };
    const problems: string[] = [];
    if (d.on_hand !== d.expected_on_hand)
      problems.push(`on_hand is ${d.on_hand} but its movements sum to ${d.expected_on_hand}`);
    if (d.reserved !== d.expected_reserved)
      problems.push(`reserved is ${d.reserved} but its active reservations sum to ${d.expected_reserved}`);
    if (d.in_transit !== d.expected_in_transit)
      problems.push(`in_transit is ${d.in_transit} but its transfers in transit sum to ${d.expected_in_transit}`);
    if (d.reserved < 0 || d.expected_reserved < 0) problems.push('reserved is negative');
    if (d.on_hand - d.reserved < 0 || d.expected_on_hand - d.expected_reserved < 0)
      problems.push('available is negative');
    return { ...d, problems };
  });
  return {
    ok: report.length === 0,
    items_checked: Number(count.n),
    drifts: report,
    duration_ms: Math.round(performance.now() - started),
  };
}

/** The report as the command line prints it. */
export function formatVerifyReport(report: VerifyReport, maxListed = 100): string {
  const head = `Checked ${report.items_checked} inventory item(s) in ${report.duration_ms} ms: `;
  if (report.ok) return `${head}no drift.`;
  const lines = report.drifts
    .slice(0, maxListed)
    .map(
      (d) =>
        `  ${d.inventory_item_id} ${d.sku} at ${d.location_id}: on_hand ${d.on_hand} (expected ${d.expected_on_hand}), reserved ${d.reserved} (expected ${d.expected_reserved}); ${d.problems.join('; ')}`,
    );
  if (report.drifts.length > maxListed) lines.push(`  ... and ${report.drifts.length - maxListed} more`);
  return `${head}${report.drifts.length} item(s) drifted:\n${lines.join('\n')}`;
}
