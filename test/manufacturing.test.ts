/**
 * Manufacturing (issue 14): bills of materials with cycle detection, explode, cost and
 * build_to_stock; work orders and manufacture orders consuming and producing stock through the
 * inventory ledger. Every scenario ends with the ledger verified.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifyInventory } from '../src/modules/inventory/verify.js';
import { getTestContext, unique, type TestContext } from './helpers.js';

type T = TestContext;

async function ok(res: { status: number; raw: string; body: any }, status = 200) {
  assert.equal(res.status, status, res.raw);
  return res.body;
}

async function item(t: T, sku: string, onHand: number, unitCost?: number) {
  return ok(await t.api('POST', '/v1/inventory_items', { sku, on_hand: onHand, unit_cost: unitCost }), 201);
}

async function stock(t: T, sku: string) {
  const list = (await t.api('GET', `/v1/inventory_items?sku=${sku}`)).body.data;
  return list.length ? { on_hand: list[0].on_hand, reserved: list[0].reserved } : { on_hand: 0, reserved: 0 };
}

async function bom(t: T, body: Record<string, unknown>, activate = true) {
  const created = await ok(await t.api('POST', '/v1/bill_of_materials', { name: 'BOM', ...body }), 201);
  return activate ? ok(await t.api('POST', `/v1/bill_of_materials/${created.id}/activate`)) : created;
}

async function assertLedgerClean(t: T) {
  const report = await verifyInventory(t.db);
  assert.deepEqual(report.drifts, [], 'opsline verify finds no drift');
}

async function movements(t: T, itemId: string) {
  return (await t.api('GET', `/v1/inventory_items/${itemId}/movements?limit=100`)).body.data;
}

/** A kit made of a sub-assembly (3 B + 1 C) and 2 A; costs A 150, B 200, C 50. */
async function kitTree(t: T, onHand = 0) {
  const s = unique();
  const sku = { kit: `KIT-${s}`, sub: `SUB-${s}`, a: `A-${s}`, b: `B-${s}`, c: `C-${s}` };
  const items = {
    a: await item(t, sku.a, 2 * onHand, 150),
    b: await item(t, sku.b, 3 * onHand, 200),
    c: await item(t, sku.c, onHand, 50),
  };
  const sub = await bom(t, {
    sku: sku.sub,
    lead_time_days: 2,
    labor_hours: 0.5,
    line_items: [
      { component_sku: sku.b, quantity: 3 },
      { component_sku: sku.c, quantity: 1 },
    ],
  });
  const kit = await bom(t, {
    sku: sku.kit,
    lead_time_days: 3,
    labor_hours: 0.25,
    line_items: [
      { component_sku: sku.sub, quantity: 1, supply_type: 'make' },
      { component_sku: sku.a, quantity: 2 },
    ],
  });
  return { sku, items, sub, kit };
}

describe('manufacturing: bills of materials', () => {
  it('creates, reads by number, lists, updates, edits lines, activates (superseding) and deletes', async () => {
    const t = await getTestContext();
    const s = unique();
    const draft = await bom(
      t,
      { sku: `P-${s}`, output_quantity: 2, line_items: [{ component_sku: `X-${s}`, quantity: 4, scrap_percent: 2.5 }] },
      false,
    );
    assert.match(draft.id, /^bom_/);
    assert.match(draft.bom_number, /^BOM-\d{6}$/);
    assert.equal(draft.status, 'draft');
    assert.equal(draft.revision, 'A');
    assert.equal(draft.line_items[0].supply_type, 'buy');
    assert.equal(draft.line_items[0].scrap_percent, 2.5);
    assert.equal((await ok(await t.api('GET', `/v1/bill_of_materials/${draft.bom_number}`))).id, draft.id);
    const listed = await ok(await t.api('GET', `/v1/bill_of_materials?sku=P-${s}`));
    assert.deepEqual(
      listed.data.map((b: any) => b.id),
      [draft.id],
    );
    assert.equal(listed.data[0].line_items.length, 1);
    assert.equal((await t.api('GET', '/v1/bill_of_materials?bogus=1')).status, 400);

    const updated = await ok(
      await t.api(
        'PATCH',
        `/v1/bill_of_materials/${draft.id}`,
        { name: 'Renamed', revision: 'B' },
        { 'if-match': '1' },
      ),
    );
    assert.equal(updated.version, 2);
    assert.equal(
      (await t.api('PATCH', `/v1/bill_of_materials/${draft.id}`, { name: 'x' }, { 'if-match': '1' })).status,
      412,
    );

    const line = await ok(
      await t.api('POST', '/v1/bill_of_materials_line_items', {
        bill_of_materials_id: draft.bom_number,
        component_sku: `Y-${s}`,
        quantity: 1,
        supply_type: 'make',
      }),
      201,
    );
    assert.equal(line.position, 2);
    const patched = await ok(await t.api('PATCH', `/v1/bill_of_materials_line_items/${line.id}`, { quantity: 5 }));
    assert.equal(patched.quantity, 5);
    assert.equal((await ok(await t.api('GET', `/v1/bill_of_materials_line_items/${line.id}`))).quantity, 5);
    const lines = await ok(await t.api('GET', `/v1/bill_of_materials_line_items?bill_of_materials_id=${draft.id}`));
    assert.equal(lines.total_count, 2);
    await ok(await t.api('DELETE', `/v1/bill_of_materials_line_items/${line.id}`));
    assert.equal((await ok(await t.api('GET', `/v1/bill_of_materials/${draft.id}`))).line_items.length, 1);

    const active = await ok(await t.api('POST', `/v1/bill_of_materials/${draft.id}/activate`));
    assert.equal(active.status, 'active');
    assert.ok(active.activated_at);
    const activeAgain = await t.api('POST', `/v1/bill_of_materials/${draft.id}/activate`);
    assert.equal(activeAgain.status, 409);
    assert.equal(activeAgain.body.error.code, 'invalid_transition');
    assert.match(activeAgain.body.error.message, /"active"/);
    const deleteActive = await t.api('DELETE', `/v1/bill_of_materials/${draft.id}`);
    assert.equal(deleteActive.body.error.code, 'invalid_transition');

    // A second BOM for the SKU, activated, makes the first obsolete.
    const second = await bom(t, {
      sku: `P-${s}`,
      revision: 'C',
      line_items: [{ component_sku: `Z-${s}`, quantity: 1 }],
    });
    assert.equal(second.status, 'active');
    const first = await ok(await t.api('GET', `/v1/bill_of_materials/${draft.id}`));
    assert.equal(first.status, 'obsolete');
    assert.deepEqual(
      (await ok(await t.api('GET', `/v1/bill_of_materials?sku=P-${s}&status=active`))).data.map((b: any) => b.id),
      [second.id],
    );
    const obsoleteLine = await t.api('POST', '/v1/bill_of_materials_line_items', {
      bill_of_materials_id: draft.id,
      component_sku: 'Q',
      quantity: 1,
    });
    assert.equal(obsoleteLine.body.error.code, 'invalid_transition');

    const events = await ok(await t.api('GET', `/v1/bill_of_materials/${draft.id}/events?limit=50`));
    const types = events.data.map((e: any) => e.type);
    for (const type of [
      'bill_of_materials.created',
      'bill_of_materials.updated',
      'bill_of_materials.line_item_added',
      'bill_of_materials.line_item_updated',
      'bill_of_materials.line_item_removed',
      'bill_of_materials.activated',
      'bill_of_materials.obsoleted',
    ])
      assert.ok(types.includes(type), `${type} in ${types}`);
    const obsoleted = await ok(await t.api('POST', `/v1/bill_of_materials/${second.id}/obsolete`));
    assert.equal(obsoleted.status, 'obsolete');
    await ok(await t.api('DELETE', `/v1/bill_of_materials/${draft.id}`));
    assert.equal((await t.api('GET', `/v1/bill_of_materials/${draft.id}`)).status, 404);
  });

  it('refuses a BOM that contains itself, naming the cycle, on create, on line changes and on activation', async () => {
    const t = await getTestContext();
    const s = unique();
    const [A, B, C] = [`A-${s}`, `B-${s}`, `C-${s}`];
    const self = await t.api('POST', '/v1/bill_of_materials', {
      name: 'self',
      sku: A,
      line_items: [{ component_sku: A, quantity: 1 }],
    });
    assert.equal(self.status, 400);
    assert.equal(self.body.error.code, 'bom_cycle');
    assert.equal(self.body.error.details.path, `${A} -> ${A}`);

    await bom(t, { sku: B, line_items: [{ component_sku: C, quantity: 1, supply_type: 'make' }] });
    await bom(t, { sku: C, line_items: [{ component_sku: A, quantity: 2 }] });
    const deep = await t.api('POST', '/v1/bill_of_materials', {
      name: 'deep',
      sku: A,
      line_items: [{ component_sku: B, quantity: 1 }],
    });
    assert.equal(deep.status, 400, deep.raw);
    assert.match(deep.body.error.message, new RegExp(`${A} -> ${B} -> ${C} -> ${A}`));
    assert.deepEqual(deep.body.error.details.cycle, [A, B, C, A]);

    // On a line added, and on a line changed to point at B.
    const a = await bom(t, { sku: A, line_items: [{ component_sku: `LEAF-${s}`, quantity: 1 }] }, false);
    const added = await t.api('POST', '/v1/bill_of_materials_line_items', {
      bill_of_materials_id: a.id,
      component_sku: B,
      quantity: 1,
    });
    assert.equal(added.status, 400);
    assert.equal(added.body.error.details.path, `${A} -> ${B} -> ${C} -> ${A}`);
    const changed = await t.api('PATCH', `/v1/bill_of_materials_line_items/${a.line_items[0].id}`, {
      component_sku: C,
    });
    assert.equal(changed.status, 400);
    assert.equal(changed.body.error.details.path, `${A} -> ${C} -> ${A}`);
    assert.equal(
      (await ok(await t.api('GET', `/v1/bill_of_materials/${a.id}`))).line_items[0].component_sku,
      `LEAF-${s}`,
    );

    // On activation: a draft D -> E is fine while E has no active BOM; E's BOM (E -> D) is activated
    // first, then D's activation closes the loop and is refused.
    const [D, E] = [`D-${s}`, `E-${s}`];
    const d = await bom(t, { sku: D, line_items: [{ component_sku: E, quantity: 1 }] }, false);
    await bom(t, { sku: E, line_items: [{ component_sku: D, quantity: 1 }] });
    const activation = await t.api('POST', `/v1/bill_of_materials/${d.id}/activate`);
    assert.equal(activation.status, 400);
    assert.equal(activation.body.error.details.path, `${D} -> ${E} -> ${D}`);
    assert.equal((await ok(await t.api('GET', `/v1/bill_of_materials/${d.id}`))).status, 'draft');
  });

  it('explodes every level with scrap rounded up and shortages, and rolls up the cost by hand', async () => {
    const t = await getTestContext();
    const { sku, kit, items } = await kitTree(t);
    await ok(
      await t.api('POST', `/v1/inventory_items/${items.a.id}/adjust`, { quantity_change: 30, reason: 'receipt' }),
    );
    const exploded = await ok(await t.api('GET', `/v1/bill_of_materials/${kit.bom_number}/explode?quantity=50`));
    assert.equal(exploded.levels, 2);
    const req = Object.fromEntries(exploded.requirements.map((r: any) => [r.sku, r]));
    assert.equal(req[sku.sub].required, 50);
    assert.equal(req[sku.b].required, 150);
    assert.equal(req[sku.c].required, 50);
    assert.equal(req[sku.a].required, 100);
    assert.equal(req[sku.a].available, 30);
    assert.equal(req[sku.a].shortage, 70);
    assert.deepEqual(
      exploded.components.map((c: any) => [c.level, c.parent_sku, c.sku]),
      [
        [1, sku.kit, sku.sub],
        [2, sku.sub, sku.b],
        [2, sku.sub, sku.c],
        [1, sku.kit, sku.a],
      ],
    );
    assert.ok(exploded.shortages.some((x: any) => x.sku === sku.b && x.shortage === 150));

    const cost = await ok(await t.api('GET', `/v1/bill_of_materials/${kit.id}/cost?quantity=50`));
    // By hand: SUB = 3 x 200 + 1 x 50 = 650; KIT = 650 + 2 x 150 = 950.
    assert.equal(cost.unit_cost, 950);
    assert.equal(cost.total_cost, 47_500);
    assert.deepEqual(cost.levels, [
      { level: 1, material_cost: 300 },
      { level: 2, material_cost: 650 },
    ]);
    assert.equal(cost.lines.find((l: any) => l.sku === sku.sub).unit_cost, 650);

    // Scrap and batches: 7 per 3 outputs with 10% scrap, for 10 units: ceil(7 x 10 x 1.1 / 3) = ceil(25.67) = 26.
    const s = unique();
    const scrap = await bom(t, {
      sku: `S-${s}`,
      output_quantity: 3,
      line_items: [{ component_sku: sku.c, quantity: 7, scrap_percent: 10 }],
    });
    const rounded = await ok(await t.api('GET', `/v1/bill_of_materials/${scrap.id}/explode?quantity=10`));
    assert.equal(rounded.components[0].required, 26);
    // Exactly representable: 10 x 1.10 per 1 = 11 (not 12 from a float 11.000000000000002).
    const exact = await bom(t, {
      sku: `S2-${s}`,
      line_items: [{ component_sku: sku.c, quantity: 10, scrap_percent: 10 }],
    });
    assert.equal(
      (await ok(await t.api('GET', `/v1/bill_of_materials/${exact.id}/explode?quantity=1`))).components[0].required,
      11,
    );
    const scrapCost = await ok(await t.api('GET', `/v1/bill_of_materials/${scrap.id}/cost`));
    assert.equal(scrapCost.unit_cost, Math.round((7 * 1.1 * 50) / 3));
    assert.equal((await t.api('GET', `/v1/bill_of_materials/${scrap.id}/explode?quantity=0`)).status, 400);
    assert.equal((await t.api('GET', `/v1/bill_of_materials/${scrap.id}/explode?location_id=NOPE`)).status, 404);
  });

  it('builds to stock in one transaction, or refuses listing every shortage and leaves no trace', async () => {
    const t = await getTestContext();
    const { sku, sub, items } = await kitTree(t, 10);
    const short = await t.api('POST', `/v1/bill_of_materials/${sub.id}/build_to_stock`, { quantity: 11 });
    assert.equal(short.status, 409, short.raw);
    assert.equal(short.body.error.code, 'insufficient_inventory');
    assert.deepEqual(short.body.error.details.shortages.map((x: any) => x.sku).sort(), [sku.b, sku.c].sort());
    assert.deepEqual(await stock(t, sku.b), { on_hand: 30, reserved: 0 });
    assert.deepEqual(await stock(t, sku.sub), { on_hand: 0, reserved: 0 });

    const built = await ok(
      await t.api('POST', `/v1/bill_of_materials/${sub.bom_number}/build_to_stock`, { quantity: 4 }),
    );
    assert.equal(built.quantity, 4);
    assert.deepEqual(await stock(t, sku.b), { on_hand: 18, reserved: 0 });
    assert.deepEqual(await stock(t, sku.c), { on_hand: 6, reserved: 0 });
    assert.deepEqual(await stock(t, sku.sub), { on_hand: 4, reserved: 0 });
    const consumed = (await movements(t, items.b.id)).filter((m: any) => m.reason === 'production_consume');
    assert.equal(consumed.length, 1);
    assert.equal(consumed[0].quantity, -12);
    const output = await movements(t, built.output_inventory_item_id);
    assert.deepEqual(
      output.map((m: any) => [m.reason, m.quantity]),
      [['build_to_stock', 4]],
    );
    const draft = await bom(t, { sku: `D-${unique()}`, line_items: [{ component_sku: sku.c, quantity: 1 }] }, false);
    assert.equal(
      (await t.api('POST', `/v1/bill_of_materials/${draft.id}/build_to_stock`, { quantity: 1 })).body.error.code,
      'invalid_transition',
    );
    await assertLedgerClean(t);
  });
});

describe('manufacturing: work orders', () => {
  it('copies requirements, refuses release when short, reserves, issues, completes in parts and releases the rest', async () => {
    const t = await getTestContext();
    const { sku, sub, items } = await kitTree(t, 0);
    const wo = await ok(
      await t.api('POST', '/v1/work_orders', { sku: sku.sub, quantity: 10, priority: 'high', assignee: 'ann' }),
      201,
    );
    assert.match(wo.work_order_number, /^WO-\d{6}$/);
    assert.equal(wo.status, 'planned');
    assert.equal(wo.bom_id, sub.id);
    assert.equal(wo.standard_labor_hours, 5);
    assert.deepEqual(
      wo.line_items.map((l: any) => [l.component_sku, l.quantity_required, l.quantity_issued]),
      [
        [sku.b, 30, 0],
        [sku.c, 10, 0],
      ],
    );
    // Refused transitions name the status.
    for (const action of ['start', 'complete', 'issue', 'resume', 'hold']) {
      const res = await t.api('POST', `/v1/work_orders/${wo.id}/${action}`);
      assert.equal(res.status, 409, `${action}: ${res.raw}`);
      assert.equal(res.body.error.code, 'invalid_transition');
      assert.match(res.body.error.message, /"planned"/);
    }

    const short = await t.api('POST', `/v1/work_orders/${wo.work_order_number}/release`);
    assert.equal(short.status, 409);
    assert.equal(short.body.error.code, 'insufficient_inventory');
    assert.equal(short.body.error.details.shortages.length, 2);
    assert.equal((await ok(await t.api('GET', `/v1/work_orders/${wo.id}`))).status, 'planned');

    await ok(
      await t.api('POST', `/v1/inventory_items/${items.b.id}/adjust`, { quantity_change: 40, reason: 'receipt' }),
    );
    await ok(
      await t.api('POST', `/v1/inventory_items/${items.c.id}/adjust`, { quantity_change: 4, reason: 'receipt' }),
    );
    const partial = await ok(await t.api('POST', `/v1/work_orders/${wo.id}/release`, { allow_partial: true }));
    assert.equal(partial.status, 'released');
    assert.deepEqual(
      partial.line_items.map((l: any) => l.quantity_reserved),
      [30, 4],
    );
    assert.deepEqual(await stock(t, sku.b), { on_hand: 40, reserved: 30 });

    await ok(await t.api('POST', `/v1/work_orders/${wo.id}/start`));
    // Issue 3 of C by SKU; more than is left is refused.
    const issued = await ok(
      await t.api('POST', `/v1/work_orders/${wo.id}/issue`, { line_items: [{ id: sku.c, quantity: 3 }] }),
    );
    assert.equal(issued.line_items[1].quantity_issued, 3);
    assert.deepEqual(await stock(t, sku.c), { on_hand: 1, reserved: 1 });
    const over = await t.api('POST', `/v1/work_orders/${wo.id}/issue`, { line_items: [{ id: sku.c, quantity: 8 }] });
    assert.equal(over.body.error.code, 'over_issue');

    // Completing 4 needs 4 C in all: one more is issued (from the reservation).
    const four = await ok(await t.api('POST', `/v1/work_orders/${wo.id}/complete`, { quantity: 4, labor_hours: 2.5 }));
    assert.equal(four.status, 'in_progress');
    assert.equal(four.quantity_completed, 4);
    assert.equal(four.actual_labor_hours, 2.5);
    assert.deepEqual(
      four.line_items.map((l: any) => [l.quantity_issued, l.quantity_reserved]),
      [
        [12, 18],
        [4, 0],
      ],
    );
    assert.deepEqual(await stock(t, sku.sub), { on_hand: 4, reserved: 0 });
    // The rest needs 6 more C, none left: 409 and nothing changes.
    const noC = await t.api('POST', `/v1/work_orders/${wo.id}/complete`);
    assert.equal(noC.status, 409);
    assert.equal(noC.body.error.code, 'insufficient_inventory');
    assert.deepEqual(await stock(t, sku.sub), { on_hand: 4, reserved: 0 });
    await ok(
      await t.api('POST', `/v1/inventory_items/${items.c.id}/adjust`, { quantity_change: 6, reason: 'receipt' }),
    );
    const done = await ok(await t.api('POST', `/v1/work_orders/${wo.id}/complete`));
    assert.equal(done.status, 'completed');
    assert.equal(done.quantity_completed, 10);
    assert.deepEqual(
      done.line_items.map((l: any) => [l.quantity_issued, l.quantity_reserved]),
      [
        [30, 0],
        [10, 0],
      ],
    );
    assert.deepEqual(await stock(t, sku.b), { on_hand: 10, reserved: 0 });
    assert.deepEqual(await stock(t, sku.c), { on_hand: 0, reserved: 0 });
    assert.deepEqual(await stock(t, sku.sub), { on_hand: 10, reserved: 0 });
    const outputs = (
      await movements(t, (await t.api('GET', `/v1/inventory_items?sku=${sku.sub}`)).body.data[0].id)
    ).map((m: any) => [m.reason, m.quantity]);
    assert.deepEqual(outputs.sort(), [
      ['production_output', 4],
      ['production_output', 6],
    ]);
    const again = await t.api('POST', `/v1/work_orders/${wo.id}/complete`, { quantity: 1 });
    assert.equal(again.body.error.code, 'invalid_transition');

    const lines = await ok(await t.api('GET', `/v1/work_order_line_items?work_order_id=${wo.id}`));
    assert.equal(lines.total_count, 2);
    assert.equal((await ok(await t.api('GET', `/v1/work_order_line_items/${lines.data[0].id}`))).work_order_id, wo.id);
    const types = (await ok(await t.api('GET', `/v1/work_orders/${wo.id}/events?limit=50`))).data.map(
      (e: any) => e.type,
    );
    for (const type of [
      'work_order.created',
      'work_order.released',
      'work_order.started',
      'work_order.issued',
      'work_order.partially_completed',
      'work_order.completed',
    ])
      assert.ok(types.includes(type), `${type} in ${types}`);
    await assertLedgerClean(t);
  });

  it('holds, resumes, assigns, updates, cancels (releasing reservations) and deletes', async () => {
    const t = await getTestContext();
    const { sku } = await kitTree(t, 20);
    const wo = await ok(await t.api('POST', '/v1/work_orders', { sku: sku.sub, quantity: 5 }), 201);
    await ok(await t.api('POST', `/v1/work_orders/${wo.id}/release`));
    assert.deepEqual(await stock(t, sku.b), { on_hand: 60, reserved: 15 });
    const held = await ok(await t.api('POST', `/v1/work_orders/${wo.id}/hold`, { reason: 'machine down' }));
    assert.equal(held.status, 'on_hold');
    assert.equal((await t.api('POST', `/v1/work_orders/${wo.id}/start`)).body.error.code, 'invalid_transition');
    assert.equal((await ok(await t.api('POST', `/v1/work_orders/${wo.id}/resume`))).status, 'released');
    await ok(await t.api('POST', `/v1/work_orders/${wo.id}/start`));
    await ok(await t.api('POST', `/v1/work_orders/${wo.id}/hold`));
    assert.equal((await ok(await t.api('POST', `/v1/work_orders/${wo.id}/resume`))).status, 'in_progress');
    const cancelRunning = await t.api('POST', `/v1/work_orders/${wo.id}/cancel`);
    assert.equal(cancelRunning.body.error.code, 'invalid_transition');
    assert.match(cancelRunning.body.error.message, /"in_progress"/);
    const assigned = await ok(await t.api('POST', `/v1/work_orders/${wo.id}/assign`, { assignee: 'bob' }));
    assert.equal(assigned.assignee, 'bob');
    const patched = await ok(
      await t.api('PATCH', `/v1/work_orders/${wo.id}`, {
        memo: 'rush',
        actual_labor_hours: 1.5,
        due_date: '2026-12-24',
      }),
    );
    assert.equal(patched.memo, 'rush');
    assert.equal(patched.due_date, '2026-12-24T00:00:00.000Z');
    await ok(await t.api('POST', `/v1/work_orders/${wo.id}/issue`, { line_items: [{ id: sku.b, quantity: 5 }] }));
    await ok(await t.api('POST', `/v1/work_orders/${wo.id}/hold`));
    const cancelled = await ok(await t.api('POST', `/v1/work_orders/${wo.id}/cancel`));
    assert.equal(cancelled.status, 'cancelled');
    assert.deepEqual(
      cancelled.line_items.map((l: any) => l.quantity_reserved),
      [0, 0],
    );
    // The 5 issued stay consumed; the other 10 reserved are released.
    assert.deepEqual(await stock(t, sku.b), { on_hand: 55, reserved: 0 });
    assert.deepEqual(await stock(t, sku.c), { on_hand: 20, reserved: 0 });
    assert.equal((await t.api('DELETE', `/v1/work_orders/${wo.id}`)).body.error.code, 'invalid_transition');
    const planned = await ok(await t.api('POST', '/v1/work_orders', { sku: sku.sub, quantity: 1 }), 201);
    await ok(await t.api('DELETE', `/v1/work_orders/${planned.work_order_number}`));
    assert.equal((await t.api('GET', `/v1/work_orders/${planned.id}`)).status, 404);
    const noBom = await t.api('POST', '/v1/work_orders', { sku: `NOPE-${unique()}`, quantity: 1 });
    assert.equal(noBom.status, 400);
    assert.equal((await t.api('POST', '/v1/work_orders', { quantity: 1 })).status, 400);
    const types = (await ok(await t.api('GET', `/v1/work_orders/${wo.id}/events?limit=50`))).data.map(
      (e: any) => e.type,
    );
    for (const type of [
      'work_order.held',
      'work_order.resumed',
      'work_order.assigned',
      'work_order.updated',
      'work_order.cancelled',
    ])
      assert.ok(types.includes(type), `${type} in ${types}`);
    await assertLedgerClean(t);
  });

  it('two work orders released in parallel against components for one never over-reserve', async () => {
    const t = await getTestContext();
    const { sku } = await kitTree(t, 10);
    for (let round = 0; round < 3; round++) {
      const wos = await Promise.all(
        [1, 2].map(async () => ok(await t.api('POST', '/v1/work_orders', { sku: sku.sub, quantity: 10 }), 201)),
      );
      const results = await Promise.all(wos.map((w) => t.api('POST', `/v1/work_orders/${w.id}/release`)));
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 409], results.map((r) => r.raw).join('\n'));
      assert.equal(results.find((r) => r.status === 409)!.body.error.code, 'insufficient_inventory');
      assert.deepEqual(await stock(t, sku.b), { on_hand: 30, reserved: 30 });
      assert.deepEqual(await stock(t, sku.c), { on_hand: 10, reserved: 10 });
      // The winner lets go, for the next round.
      const winner = wos[results.findIndex((r) => r.status === 200)];
      await ok(await t.api('POST', `/v1/work_orders/${winner.id}/cancel`));
      await assertLedgerClean(t);
    }
  });

  it('parallel partial completions of one work order each count once', async () => {
    const t = await getTestContext();
    const { sku } = await kitTree(t, 10);
    const wo = await ok(await t.api('POST', '/v1/work_orders', { sku: sku.sub, quantity: 10 }), 201);
    await ok(await t.api('POST', `/v1/work_orders/${wo.id}/release`));
    await ok(await t.api('POST', `/v1/work_orders/${wo.id}/start`));
    const results = await Promise.all(
      [3, 3, 3, 3].map((quantity) => t.api('POST', `/v1/work_orders/${wo.id}/complete`, { quantity })),
    );
    // 3 + 3 + 3 fit in 10; the fourth finds 1 left (409 over_completion).
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 200, 200, 409], results.map((r) => r.raw).join('\n'));
    const after = await ok(await t.api('GET', `/v1/work_orders/${wo.id}`));
    assert.equal(after.quantity_completed, 9);
    assert.deepEqual(await stock(t, sku.sub), { on_hand: 9, reserved: 0 });
    // Components issued for 9 units; the 10th unit's still reserved.
    assert.deepEqual(await stock(t, sku.b), { on_hand: 3, reserved: 3 });
    const last = await ok(await t.api('POST', `/v1/work_orders/${wo.id}/complete`));
    assert.equal(last.status, 'completed');
    assert.deepEqual(await stock(t, sku.b), { on_hand: 0, reserved: 0 });
    await assertLedgerClean(t);
  });
});

describe('manufacturing: manufacture orders', () => {
  it('plans one work order per make level (children first, due dates by lead time), builds the kits and completes', async () => {
    const t = await getTestContext();
    const { sku, kit, sub } = await kitTree(t, 50);
    const mo = await ok(
      await t.api('POST', '/v1/manufacture_orders', {
        sku: sku.kit,
        quantity: 50,
        due_date: '2026-12-11',
        priority: 'high',
      }),
      201,
    );
    assert.match(mo.manufacture_order_number, /^MO-\d{6}$/);
    assert.equal(mo.bom_id, kit.id);
    assert.equal(mo.line_items.length, 1);
    assert.equal((await t.api('POST', `/v1/manufacture_orders/${mo.id}/start`)).body.error.code, 'not_planned');
    const planned = await ok(await t.api('POST', `/v1/manufacture_orders/${mo.manufacture_order_number}/plan`));
    assert.equal(planned.line_items.length, 2);
    const [product, component] = planned.line_items;
    assert.deepEqual(
      [product.sku, product.output_type, product.level, product.due_date],
      [sku.kit, 'product', 0, '2026-12-11T00:00:00.000Z'],
    );
    // Due the kit BOM's 3 days of lead time earlier.
    assert.deepEqual(
      [component.sku, component.output_type, component.level, component.quantity, component.due_date],
      [sku.sub, 'component', 1, 50, '2026-12-08T00:00:00.000Z'],
    );
    const subWo = await ok(await t.api('GET', `/v1/work_orders/${component.work_order_id}`));
    const kitWo = await ok(await t.api('GET', `/v1/work_orders/${product.work_order_id}`));
    assert.ok(subWo.work_order_number < kitWo.work_order_number, 'the sub-assembly work order comes first');
    assert.equal(subWo.bom_id, sub.id);
    assert.equal(subWo.manufacture_order_id, mo.id);
    assert.equal(kitWo.priority, 'high');
    assert.equal((await t.api('POST', `/v1/manufacture_orders/${mo.id}/plan`)).body.error.code, 'already_planned');
    const linked = await ok(await t.api('GET', `/v1/work_orders?manufacture_order_id=${mo.id}`));
    assert.equal(linked.total_count, 2);

    await ok(await t.api('POST', `/v1/manufacture_orders/${mo.id}/start`));
    const early = await t.api('POST', `/v1/manufacture_orders/${mo.id}/complete`);
    assert.equal(early.body.error.code, 'work_orders_open');
    assert.equal(early.body.error.details.work_orders.length, 2);
    for (const wo of [subWo, kitWo]) {
      await ok(await t.api('POST', `/v1/work_orders/${wo.id}/release`));
      await ok(await t.api('POST', `/v1/work_orders/${wo.id}/start`));
      assert.equal((await ok(await t.api('POST', `/v1/work_orders/${wo.id}/complete`))).status, 'completed');
    }
    const completed = await ok(await t.api('POST', `/v1/manufacture_orders/${mo.id}/complete`));
    assert.equal(completed.status, 'completed');
    assert.deepEqual(await stock(t, sku.kit), { on_hand: 50, reserved: 0 });
    for (const part of [sku.a, sku.b, sku.c, sku.sub])
      assert.deepEqual(await stock(t, part), { on_hand: 0, reserved: 0 });
    assert.equal((await t.api('POST', `/v1/manufacture_orders/${mo.id}/cancel`)).body.error.code, 'invalid_transition');
    const lines = await ok(await t.api('GET', `/v1/manufacture_order_line_items?manufacture_order_id=${mo.id}`));
    assert.equal(lines.total_count, 2);
    assert.equal(
      (await ok(await t.api('GET', `/v1/manufacture_order_line_items/${lines.data[0].id}`))).manufacture_order_id,
      mo.id,
    );
    const types = (await ok(await t.api('GET', `/v1/manufacture_orders/${mo.id}/events`))).data.map((e: any) => e.type);
    for (const type of [
      'manufacture_order.created',
      'manufacture_order.planned',
      'manufacture_order.started',
      'manufacture_order.completed',
    ])
      assert.ok(types.includes(type), `${type} in ${types}`);
    await assertLedgerClean(t);
  });

  it('cancels its open work orders and releases their reservations; refuses while one is in progress', async () => {
    const t = await getTestContext();
    const { sku } = await kitTree(t, 10);
    const mo = await ok(await t.api('POST', '/v1/manufacture_orders', { sku: sku.kit, quantity: 10 }), 201);
    const patched = await ok(await t.api('PATCH', `/v1/manufacture_orders/${mo.id}`, { memo: 'for the fair' }));
    assert.equal(patched.memo, 'for the fair');
    const planned = await ok(await t.api('POST', `/v1/manufacture_orders/${mo.id}/plan`));
    assert.equal(
      (await t.api('DELETE', `/v1/manufacture_orders/${mo.id}`)).body.error.code,
      'manufacture_order_planned',
    );
    const subWo = planned.line_items.find((l: any) => l.output_type === 'component').work_order_id;
    await ok(await t.api('POST', `/v1/work_orders/${subWo}/release`));
    await ok(await t.api('POST', `/v1/work_orders/${subWo}/start`));
    assert.deepEqual(await stock(t, sku.b), { on_hand: 30, reserved: 30 });
    const refused = await t.api('POST', `/v1/manufacture_orders/${mo.id}/cancel`);
    assert.equal(refused.body.error.code, 'work_order_in_progress');
    await ok(await t.api('POST', `/v1/work_orders/${subWo}/hold`));
    const cancelled = await ok(await t.api('POST', `/v1/manufacture_orders/${mo.id}/cancel`));
    assert.equal(cancelled.status, 'cancelled');
    const wos = await ok(await t.api('GET', `/v1/work_orders?manufacture_order_id=${mo.id}`));
    assert.deepEqual(
      wos.data.map((w: any) => w.status),
      ['cancelled', 'cancelled'],
    );
    assert.deepEqual(await stock(t, sku.b), { on_hand: 30, reserved: 0 });
    const draft = await ok(await t.api('POST', '/v1/manufacture_orders', { sku: sku.kit, quantity: 1 }), 201);
    await ok(await t.api('DELETE', `/v1/manufacture_orders/${draft.id}`));
    await assertLedgerClean(t);
  });
});

describe('manufacturing: a 5-level, 200-line tree', () => {
  it('explodes and costs fast (loaded with one query per level)', async () => {
    const t = await getTestContext();
    const s = unique();
    // 31 BOMs: a binary tree of assemblies 5 deep; each assembly above the last level has 2 make
    // children and 6 bought parts, each on the last level 5 bought parts: 15 x 8 + 16 x 5 = 200 lines.
    const parts = Array.from({ length: 6 }, (_, i) => `P${i}-${s}`);
    for (const [i, p] of parts.entries()) await item(t, p, 0, 10 + i);
    let lines = 0;
    const build = async (name: string, depth: number): Promise<any> => {
      const children = depth < 5 ? [`${name}.0`, `${name}.1`] : [];
      for (const c of children) await build(c, depth + 1);
      const bought = depth < 5 ? parts : parts.slice(0, 5);
      const line_items = [
        ...children.map((c) => ({ component_sku: c, quantity: 2, supply_type: 'make' })),
        ...bought.map((p) => ({ component_sku: p, quantity: 1, scrap_percent: 5 })),
      ];
      lines += line_items.length;
      return bom(t, { sku: name, line_items });
    };
    const root = await build(`R-${s}`, 1);
    assert.equal(lines, 200);
    // Timed (not asserted): the first call of each, then the median of five more.
    const timed = async (url: string) => {
      const runs: number[] = [];
      let body: any;
      for (let i = 0; i < 6; i++) {
        const started = performance.now();
        body = await ok(await t.api('GET', url));
        runs.push(performance.now() - started);
      }
      const warm = runs.slice(1).sort((a, b) => a - b)[2];
      return { body, text: `first ${runs[0].toFixed(1)} ms, then median ${warm.toFixed(1)} ms` };
    };
    const explode = await timed(`/v1/bill_of_materials/${root.bom_number}/explode?quantity=10`);
    const costed = await timed(`/v1/bill_of_materials/${root.id}/cost`);
    const exploded = explode.body;
    const cost = costed.body;
    assert.equal(exploded.levels, 5);
    assert.equal(exploded.components.length, 200);
    assert.ok(cost.unit_cost > 0);
    assert.equal(cost.levels.length, 5);
    console.log(`    5-level tree, 200 lines: explode ${explode.text}; cost ${costed.text}`);
  });
});
