import { sql } from 'kysely';
import { z } from 'zod';
import type { DB, Executor } from '../../db/connection.js';
import type { ExpectedVersion, RequestContext } from '../../platform/context.js';
import { lockRecord, patchRecord } from '../../platform/db-helpers.js';
import { ConflictError, NotFoundError, refuseDuplicate } from '../../platform/errors.js';
import { changedAttributes, recordEvent } from '../../platform/events.js';
import { newId, nowIso } from '../../db/ids.js';
import { parseJson, toJson } from '../../platform/json.js';
import { commaList, containsText, runList, toEnvelope, type FilterDef, type ListSpec } from '../../platform/list.js';
import { mergeMetadata } from '../../platform/schemas.js';
import { LOCATION_TYPES, type CreateLocationInput, type Location, type UpdateLocationInput } from './schemas.js';
import type { LocationsTable } from './tables.js';
import { inTransaction } from '../../db/transaction.js';

export function toLocation(row: LocationsTable): Location {
  return {
    id: row.id,
    object: 'location',
    code: row.code,
    name: row.name,
    type: row.type,
    address: parseJson(row.address, null),
    active: Boolean(row.active),
    is_default: Boolean(row.is_default),
    metadata: parseJson(row.metadata, {}),
    version: row.version,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

const booleanFlag = z.enum(['true', 'false']);

export const locationListSpec: ListSpec = {
  table: 'locations',
  sortable: ['code', 'name', 'updated_at'],
  updatedRange: true,
  filters: {
    code: { kind: 'exact', column: 'code', multi: true },
    type: { kind: 'exact', column: 'type', multi: true, values: LOCATION_TYPES },
    active: {
      kind: 'custom',
      schema: booleanFlag,
      apply: (qb, v: string) => qb.where('active', '=', v === 'true' ? 1 : 0),
    },
    // Locations are few, so matching lower(code/name) without an index is fine.
    search: {
      kind: 'custom',
      schema: z.string().min(1),
      apply: (qb, term: string) =>
        qb.where((eb: any) => eb.or([containsText(sql`lower(code)`, term), containsText(sql`lower(name)`, term)])),
    },
  },
};

function codeTaken(code: string): ConflictError {
  return new ConflictError('already_exists', `A location with code "${code}" already exists.`, undefined, 'code');
}

export async function createLocation(db: DB, ctx: RequestContext, input: CreateLocationInput): Promise<Location> {
  return inTransaction(db, async (trx) => {
    const now = nowIso();
    const row: LocationsTable = {
      id: newId('loc'),
      code: input.code,
      name: input.name,
      type: input.type ?? 'warehouse',
      address: input.address ? toJson(input.address) : null,
      active: input.active === false ? 0 : 1,
      is_default: 0,
      metadata: toJson(input.metadata ?? {}),
      version: 1,
      created_at: now,
      updated_at: now,
    };
    await refuseDuplicate(trx.insertInto('locations').values(row).execute(), () => codeTaken(input.code));
    const location = toLocation(row);
    await recordEvent(trx, ctx, 'location.created', location);
    return location;
  });
}

/**
 * The one place a location reference is resolved: codes are accepted wherever a location id is
 * (`WH-EAST` as well as `loc_...`), as order numbers are for orders. An id wins over a code that
 * happens to spell it. Unknown: 404 naming `param`.
 */
export async function resolveLocationId(db: Executor, idOrCode: string, param = 'id'): Promise<string> {
  const rows = await db
    .selectFrom('locations')
    .select(['id', 'code'])
    .where((eb) => eb.or([eb('id', '=', idOrCode), eb('code', '=', idOrCode)]))
    .execute();
  const row = rows.find((r) => r.id === idOrCode) ?? rows[0];
  if (!row) throw new NotFoundError('location', idOrCode, param);
  return row.id;
}

/** Picks, among locations found by id or code, the one a reference names (the id first). */
export function locationNamed<T extends { id: string; code: string }>(
  locations: Iterable<T>,
  idOrCode: string,
): T | undefined {
  let byCode: T | undefined;
  for (const l of locations) {
    if (l.id === idOrCode) return l;
    if (l.code === idOrCode) byCode ??= l;
  }
  return byCode;
}

/**
 * `name=` and `name_in=` list filters on a location column that accept codes as well as ids (an
 * unknown one matches nothing, as an unknown id always did).
 */
export function locationFilters(name: string, column: string, multi = true): Record<string, FilterDef> {
  const matching = (qb: any, values: string[]) =>
    qb.where((eb: any) =>
      eb(
        column,
        'in',
        eb
          .selectFrom('locations')
          .select('locations.id')
          .where((w: any) => w.or([w('locations.id', 'in', values), w('locations.code', 'in', values)])),
      ),
    );
  const filters: Record<string, FilterDef> = {
    [name]: {
      kind: 'custom',
      schema: z.string().min(1).describe('Location id or code'),
      apply: (qb, v: string) => matching(qb, [v]),
    },
  };
  if (multi) {
    filters[`${name}_in`] = {
      kind: 'custom',
      schema: commaList.describe('Comma-separated location ids or codes'),
      apply: (qb, vs: string[]) => matching(qb, vs),
    };
  }
  return filters;
}

export async function getLocation(db: Executor, idOrCode: string): Promise<Location> {
  const row = await db
    .selectFrom('locations')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', idOrCode), eb('code', '=', idOrCode)]))
    .execute()
    .then((rows) => locationNamed(rows, idOrCode));
  if (!row) throw new NotFoundError('location', idOrCode);
  return toLocation(row);
}

/** The location that items without a location_id go to (created by the inventory migration). */
export async function defaultLocationId(db: Executor): Promise<string> {
  const row = await db
    .selectFrom('locations')
    .select('id')
    .where('is_default', '=', 1)
    .orderBy('created_at')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function listLocations(db: DB, query: Record<string, unknown>) {
  return toEnvelope(await runList<LocationsTable>(db, locationListSpec, query), toLocation);
}

export async function updateLocation(
  db: DB,
  ctx: RequestContext,
  idOrCode: string,
  input: UpdateLocationInput,
  expected?: ExpectedVersion,
): Promise<Location> {
  return inTransaction(db, async (trx) => {
    const id = await resolveLocationId(trx, idOrCode);
    const row = await lockRecord(trx, 'locations', 'location', id, expected);
    return patchRecord(trx, ctx, {
      table: 'locations',
      before: toLocation(row),
      input,
      fields: ['code', 'name', 'type', 'active', 'address'],
      toRow: (next) => ({
        code: next.code,
        name: next.name,
        type: next.type,
        address: next.address ? toJson(next.address) : null,
        active: next.active ? 1 : 0,
        metadata: toJson(next.metadata),
        version: next.version,
        updated_at: next.updated_at,
      }),
      event: 'location.updated',
      onDuplicate: () => codeTaken(input.code ?? row.code),
    });
  });
}

/**
 * Deletes a location nothing depends on. The default location, a location holding stock and a
 * location that still has inventory items (their ledger history points at it) are refused (409).
 */
export async function deleteLocation(db: DB, ctx: RequestContext, idOrCode: string, expected?: ExpectedVersion) {
  return inTransaction(db, async (trx) => {
    const id = await resolveLocationId(trx, idOrCode);
    const row = await lockRecord(trx, 'locations', 'location', id, expected);
    if (row.is_default)
      throw new ConflictError('default_location', `Location ${id} is the default location and cannot be deleted.`);
    const usage = await trx
      .selectFrom('inventory_items')
      .select((eb) => [
        eb.fn.countAll().as('items'),
        eb.fn.sum<number | string | null>('on_hand').as('on_hand'),
        eb.fn.sum<number | string | null>('reserved').as('reserved'),
      ])
      .where('location_id', '=', id)
      .executeTakeFirstOrThrow();
    const onHand = Number(usage.on_hand ?? 0);
    const reserved = Number(usage.reserved ?? 0);
    if (onHand > 0 || reserved > 0) {
      throw new ConflictError(
        'location_has_stock',
        `Location ${id} holds stock (on_hand ${onHand}, reserved ${reserved}); transfer or adjust it out first.`,
        { on_hand: onHand, reserved },
      );
    }
    if (Number(usage.items) > 0) {
      throw new ConflictError(
        'location_in_use',
        `Location ${id} has ${usage.items} inventory item(s); delete them first, or set active=false to retire the location.`,
        { inventory_items: Number(usage.items) },
      );
    }
    await trx.deleteFrom('locations').where('id', '=', id).execute();
    await recordEvent(trx, ctx, 'location.deleted', toLocation(row));
    return { id, object: 'location' as const, deleted: true as const };
  });
}
