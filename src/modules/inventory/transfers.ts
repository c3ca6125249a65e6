import { z } from 'zod';
import type { DB, Executor, Trx } from '../../db/connection.js';
import type { ExpectedVersion, RequestContext } from '../../platform/context.js';
import { selectForUpdate } from '../../platform/db-helpers.js';
import { assertExpectedVersion, ConflictError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { newId, nowIso } from '../../db/ids.js';
import { runList, toEnvelope, type ListSpec } from '../../platform/list.js';
import { defineStateMachine } from '../../platform/state-machine.js';
import { findOrCreateItem, postInTransit, postMovement } from './ledger.js';
import { locationFilters, resolveLocationId } from './locations.js';
import { TRANSFER_STATUSES, type Transfer, type TransferInput } from './schemas.js';
import { lockItems, toInventoryItem } from './service.js';
import type { TransfersTable } from './tables.js';
import { inTransaction } from '../../db/transaction.js';

/**
 * A transfer moves stock of one SKU between locations in two steps: transfer_out at the source when
 * it is created (status in_transit), transfer_in at the destination when it is received. While in
 * transit the quantity is in neither location's on_hand; on_hand + in_transit is conserved, and the
 * destination item's in_transit shows it until it is received.
 */
export const transferMachine = defineStateMachine<Transfer['status'], 'receive'>('transfer', {
  receive: { from: ['in_transit'], to: 'received', event: 'transfer.received' },
});

export function toTransfer(row: TransfersTable): Transfer {
  return {
    id: row.id,
    object: 'transfer',
    sku: row.sku,
    from_item_id: row.from_item_id,
    to_item_id: row.to_item_id,
    from_location_id: row.from_location_id,
    to_location_id: row.to_location_id,
    quantity: Number(row.quantity),
    reason: row.reason,
    status: row.status,
    received_at: row.received_at,
    version: row.version,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export const transferListSpec: ListSpec = {
  table: 'transfers',
  sortable: ['updated_at'],
  updatedRange: true,
  filters: {
    status: { kind: 'exact', column: 'status', multi: true, values: TRANSFER_STATUSES },
    sku: { kind: 'exact', column: 'sku', multi: true },
    ...locationFilters('from_location_id', 'transfers.from_location_id', false),
    ...locationFilters('to_location_id', 'transfers.to_location_id', false),
    inventory_item_id: {
      kind: 'custom',
      schema: z.string().min(1).describe('Transfers from or to this inventory item'),
      apply: (qb, id: string) => qb.where((eb: any) => eb.or([eb('from_item_id', '=', id), eb('to_item_id', '=', id)])),
    },
  },
};

export async function getTransfer(db: Executor, id: string): Promise<Transfer> {
  const row = await db.selectFrom('transfers').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('transfer', id);
  return toTransfer(row);
}

export async function listTransfers(db: DB, query: Record<string, unknown>) {
  return toEnvelope(await runList<TransfersTable>(db, transferListSpec, query), toTransfer);
}

/** Ships stock from an item to another location; answers the source item with the transfer. */
export async function transferStock(
  db: DB,
  ctx: RequestContext,
  itemId: string,
  input: TransferInput,
  expected?: ExpectedVersion,
) {
  return inTransaction(db, async (trx) => {
    // Read without a lock first: the destination item may have to be created, and both items are
    // then locked together in id order (two opposite transfers must not deadlock).
    const source = await trx.selectFrom('inventory_items').selectAll().where('id', '=', itemId).executeTakeFirst();
    if (!source) throw new NotFoundError('inventory_item', itemId);
    const toLocationId = await resolveLocationId(trx, input.to_location_id, 'to_location_id');
    if (toLocationId === source.location_id) {
      throw new ValidationError("to_location_id must differ from the item's own location.", [
        { path: 'to_location_id', message: "Must differ from the item's location" },
      ]);
    }
    const destination = await trx
      .selectFrom('locations')
      .select(['id', 'active'])
      .where('id', '=', toLocationId)
      .executeTakeFirstOrThrow();
    if (!destination.active)
      throw new ConflictError(
        'location_inactive',
        `Location ${destination.id} is inactive and takes no transfers.`,
        undefined,
        'to_location_id',
      );
    const target = await findOrCreateItem(trx, source.sku, destination.id, {
      description: source.description,
      uom: source.uom,
      unit_cost: source.unit_cost,
    });
    // Both items, in id order: the destination's in_transit changes too.
    const locked = await lockItems(trx, [itemId, target.id]);
    const sourceNow = locked.find((r) => r.id === itemId)!;
    assertExpectedVersion(expected, sourceNow.version);
    if (target.created) {
      const created = await trx
        .selectFrom('inventory_items')
        .selectAll()
        .where('id', '=', target.id)
        .executeTakeFirstOrThrow();
      await recordEvent(trx, ctx, 'inventory_item.created', toInventoryItem(created));
    }

    const now = nowIso();
    const row: TransfersTable = {
      id: newId('trf'),
      sku: source.sku,
      from_item_id: itemId,
      to_item_id: target.id,
      from_location_id: source.location_id,
      to_location_id: destination.id,
      quantity: input.quantity,
      reason: input.reason ?? null,
      status: 'in_transit',
      received_at: null,
      version: 1,
      created_at: now,
      updated_at: now,
    };
    const reference = { type: 'transfer', id: row.id };
    await postMovement(trx, ctx, {
      itemId,
      quantity: -input.quantity,
      reason: 'transfer_out',
      reference,
      note: input.reason ?? null,
    });
    await trx.insertInto('transfers').values(row).execute();
    await postInTransit(trx, target.id, input.quantity);
    await recordEvent(trx, ctx, 'transfer.created', toTransfer(row));
    const transfer = input.receive_now ? await receive(trx, ctx, row) : toTransfer(row);

    const before = toInventoryItem(sourceNow);
    const result = {
      ...toInventoryItem(
        await trx.selectFrom('inventory_items').selectAll().where('id', '=', itemId).executeTakeFirstOrThrow(),
      ),
      transfer,
    };
    await recordEvent(trx, ctx, 'inventory_item.transferred', result, {
      on_hand: before.on_hand,
      available: before.available,
    });
    return result;
  });
}

export async function receiveTransfer(
  db: DB,
  ctx: RequestContext,
  id: string,
  expected?: ExpectedVersion,
): Promise<Transfer> {
  return inTransaction(db, async (trx) => {
    const row = await selectForUpdate(trx, 'transfers', id);
    if (!row) throw new NotFoundError('transfer', id);
    assertExpectedVersion(expected, row.version);
    return receive(trx, ctx, row);
  });
}

/** Posts the transfer_in at the destination and marks the transfer received (once). */
async function receive(trx: Trx, ctx: RequestContext, row: TransfersTable): Promise<Transfer> {
  const { to, event } = transferMachine.transition('receive', row.status);
  await postMovement(trx, ctx, {
    itemId: row.to_item_id,
    quantity: Number(row.quantity),
    reason: 'transfer_in',
    reference: { type: 'transfer', id: row.id },
    note: row.reason,
  });
  await postInTransit(trx, row.to_item_id, -Number(row.quantity));
  const now = nowIso();
  const next: TransfersTable = { ...row, status: to, received_at: now, version: row.version + 1, updated_at: now };
  await trx
    .updateTable('transfers')
    .set({ status: next.status, received_at: next.received_at, version: next.version, updated_at: now })
    .where('id', '=', row.id)
    .execute();
  const transfer = toTransfer(next);
  await recordEvent(trx, ctx, event, transfer, { status: row.status, received_at: row.received_at });
  return transfer;
}
