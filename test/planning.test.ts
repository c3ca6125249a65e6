/**
 * Replenishment planning (issue 19): supplier SKUs, the plan run netted level by level through
 * BOMs, applying it (draft purchase orders and planned work orders, once), and the plan clearing
 * as what it proposed is received and built. Every scenario plans its own fresh location.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getTestContext, unique, type TestContext } from './helpers.js';
import { assertLedgerClean } from './supply-helpers.js';

type T = TestContext;

async function ok(res: { status: number; raw: string; body: any }, status = 200) {
  assert.equal(res.status, status, res.raw);
  return res.body;
}

function addDays(days: number): string {
  const d = new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

async function plan(t: T, location: string, extra = '') {
  return ok(await t.api('GET', `/v1/planning/replenishment?location_id=${location}${extra}`));
}

/**
 * A kit short at two levels at a fresh warehouse:
 *   KIT   (BOM, lead 2 days)  = 1 FRAME (make) + 4 BOLT    on hand 2; an order for 10 (2 reserved, 8 backordered)
 *   FRAME (BOM, lead 3 days)  = 2 BAR + 2 BOLT       on hand 1
 *   BAR   bought from BARCO (supplier lead 7), multiple 10; on hand 5; 30 on order arriving in 60 days
 *   BOLT  bought from BOLTCO (supplier SKU lead 5 overrides the supplier's 20), MOQ 100, multiple 50;
 *         on hand 30, safety stock 20, 5 reserved by another order
 */
async function kitScenario(t: T) {
  const tag = unique('').toUpperCase();
  const sku = { kit: `KIT-${tag}`, frame: `FRAME-${tag}`, bar: `BAR-${tag}`, bolt: `BOLT-${tag}` };
  const location = await ok(await t.api('POST', '/v1/locations', { code: `PLAN-${tag}`, name: 'Planning test' }), 201);
  const at = location.id;
  const item = (s: string, fields: Record<string, unknown>) =>
    t.api('POST', '/v1/inventory_items', { sku: s, location_id: at, ...fields }).then((r) => ok(r, 201));
  await item(sku.kit, { on_hand: 2 });
  await item(sku.frame, { on_hand: 1 });
  await item(sku.bar, { on_hand: 5 });
  await item(sku.bolt, { on_hand: 30, safety_stock: 20 });
  const bom = async (body: Record<string, unknown>) => {
    const created = await ok(await t.api('POST', '/v1/bill_of_materials', { name: 'BOM', ...body }), 201);
    return ok(await t.api('POST', `/v1/bill_of_materials/${created.id}/activate`));
  };
  const frameBom = await bom({
    sku: sku.frame,
    lead_time_days: 3,
    line_items: [
      { component_sku: sku.bar, quantity: 2 },
      { component_sku: sku.bolt, quantity: 2 },
    ],
  });
  const kitBom = await bom({
    sku: sku.kit,
    lead_time_days: 2,
    line_items: [
      { component_sku: sku.frame, quantity: 1, supply_type: 'make' },
      { component_sku: sku.bolt, quantity: 4 },
    ],
  });
  const barco = await ok(
    await t.api('POST', '/v1/suppliers', { name: 'Bar Co', code: `BAR-${tag}`, lead_time_days: 7 }),
    201,
  );
  const boltco = await ok(
    await t.api('POST', '/v1/suppliers', { name: 'Bolt Co', code: `BOLT-${tag}`, lead_time_days: 20 }),
    201,
  );
  await ok(
    await t.api('POST', '/v1/supplier_skus', {
      supplier_id: barco.id,
      sku: sku.bar,
      unit_cost: 250,
      order_multiple: 10,
      preferred: true,
    }),
    201,
  );
  await ok(
    await t.api('POST', '/v1/supplier_skus', {
      supplier_id: boltco.id,
      sku: sku.bolt,
      supplier_sku: 'B-M4',
      unit_cost: 10,
      min_order_quantity: 100,
      order_multiple: 50,
      lead_time_days: 5,
      preferred: true,
    }),
    201,
  );
  // 30 bars on order, but arriving after the 30-day horizon: too late to count.
  const late = await ok(
    await t.api('POST', '/v1/purchase_orders', {
      supplier_id: barco.id,
      location_id: at,
      expected_date: addDays(60),
      line_items: [{ sku: sku.bar, quantity_ordered: 30, unit_cost: 250 }],
    }),
    201,
  );
  await ok(await t.api('POST', `/v1/purchase_orders/${late.id}/submit`));
  await ok(await t.api('POST', `/v1/purchase_orders/${late.id}/approve`));
  const customer = { email: `${tag.toLowerCase()}@example.com` };
  await ok(
    await t.api('POST', '/v1/orders', {
      customer,
      location_id: at,
      allow_backorder: true,
      line_items: [{ sku: sku.kit, quantity: 10, price: 5000 }],
    }),
    201,
  );
  await ok(
    await t.api('POST', '/v1/orders', {
      customer,
      location_id: at,
      line_items: [{ sku: sku.bolt, quantity: 5, price: 100 }],
    }),
    201,
  );
  return { at, sku, barco, boltco, kitBom, frameBom, late };
}

const bySku = (run: any) => new Map<string, any>(run.proposals.map((p: any) => [p.sku, p]));

describe('replenishment planning', () => {
  it('proposes exactly the hand-computed buys and makes, level by level, with their dates', async () => {
    const t = await getTestContext();
    const s = await kitScenario(t);
    const run = await plan(t, s.at, '&horizon_days=30');
    assert.equal(run.object, 'plan_run');
    assert.match(run.id, /^pln_/);
    assert.equal(run.location_id, s.at);
    assert.equal(run.horizon_days, 30);
    assert.equal(run.status, 'proposed');
    assert.deepEqual(
      run.proposals.map((p: any) => [p.sku, p.action, p.quantity, p.level, p.order_by, p.need_by]),
      [
        [s.sku.kit, 'make', 8, 0, addDays(10), addDays(12)],
        [s.sku.frame, 'make', 7, 1, addDays(7), addDays(10)],
        [s.sku.bar, 'buy', 10, 2, addDays(0), addDays(7)],
        [s.sku.bolt, 'buy', 100, 2, addDays(0), addDays(5)],
      ],
    );
    const p = bySku(run);
    assert.match(p.get(s.sku.kit).id, /^prp_/);
    assert.equal(p.get(s.sku.kit).bom_id, s.kitBom.id);
    assert.equal(p.get(s.sku.frame).bom_id, s.frameBom.id);
    assert.equal(p.get(s.sku.bar).supplier_id, s.barco.id);
    assert.equal(p.get(s.sku.bar).lead_time_days, 7, "the supplier's lead time");
    assert.equal(p.get(s.sku.bolt).supplier_id, s.boltco.id);
    assert.equal(p.get(s.sku.bolt).lead_time_days, 5, "the supplier SKU's lead time overrides the supplier's");
    assert.equal(p.get(s.sku.bolt).unit_cost, 10);
    assert.deepEqual(p.get(s.sku.kit).explanation, {
      on_hand: 2,
      reserved: 2,
      backordered: 8,
      component_demand: 0,
      component_demand_from_plan: 0,
      safety_stock: 0,
      reorder_point: 0,
      incoming: 0,
      incoming_after_horizon: 0,
      in_transit: 0,
      planned_output: 0,
      planned_output_after_horizon: 0,
      demand: 10,
      supply: 2,
      net_requirement: 8,
      min_order_quantity: null,
      order_multiple: null,
    });
    const bar = p.get(s.sku.bar).explanation;
    assert.equal(bar.component_demand, 14, '2 per frame x 7 frames');
    assert.equal(bar.incoming, 0);
    assert.equal(bar.incoming_after_horizon, 30, 'the late purchase order is shown, not counted');
    assert.equal(bar.net_requirement, 9);
    assert.equal(bar.order_multiple, 10, '9 rounded up to the multiple of 10');
    const bolt = p.get(s.sku.bolt).explanation;
    assert.equal(bolt.reserved, 5);
    assert.equal(bolt.component_demand, 46, '4 x 8 kits + 2 x 7 frames');
    assert.equal(bolt.safety_stock, 20);
    assert.equal(bolt.demand, 71);
    assert.equal(bolt.supply, 30);
    assert.equal(bolt.net_requirement, 41);
    assert.equal(bolt.min_order_quantity, 100, '41 rounded up to the minimum of 100 (a multiple of 50)');

    // The late order counts once the horizon reaches it.
    const longer = bySku(await plan(t, s.at, '&horizon_days=90'));
    assert.equal(longer.get(s.sku.bar), undefined, '5 on hand + 30 incoming cover the 14 the frames need');

    // Stored: retrieving answers the same run.
    const again = await ok(await t.api('GET', `/v1/planning/replenishment/${run.id}`));
    assert.deepEqual(again, run);
    const listed = await ok(await t.api('GET', `/v1/plan_runs?limit=5`));
    assert.ok(listed.data.some((r: any) => r.id === run.id && r.proposal_count === 4));
    const events = await ok(await t.api('GET', `/v1/plan_runs/${run.id}/events`));
    assert.deepEqual(
      events.data.map((e: any) => e.type),
      ['plan_run.created'],
    );
  });

  it('applies once: one draft PO per supplier, planned work orders, linked; a second apply creates nothing', async () => {
    const t = await getTestContext();
    const s = await kitScenario(t);
    const run = await plan(t, s.at);
    const countPos = async () =>
      Number(
        (
          await t.db
            .selectFrom('purchase_orders')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('location_id', '=', s.at)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const countWos = async () =>
      Number(
        (
          await t.db
            .selectFrom('work_orders')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('location_id', '=', s.at)
            .executeTakeFirstOrThrow()
        ).n,
      );
    assert.equal(await countPos(), 1, 'only the late order so far');

    // Two applies at once: the plan row serialises them; one creates, the other finds nothing left.
    const [a, b] = await Promise.all([
      t.api('POST', `/v1/planning/replenishment/${run.id}/apply`, {}),
      t.api('POST', `/v1/planning/replenishment/${run.id}/apply`, {}),
    ]);
    const applied = await ok(a);
    await ok(b);
    assert.equal(applied.status, 'applied');
    assert.equal(await countPos(), 3, 'one draft per supplier');
    assert.equal(await countWos(), 2);
    const p = bySku(applied);
    for (const proposal of applied.proposals) {
      assert.equal(proposal.status, 'applied');
      assert.ok(proposal.applied_at);
    }
    const boltPo = await ok(await t.api('GET', `/v1/purchase_orders/${p.get(s.sku.bolt).purchase_order_id}`));
    assert.equal(boltPo.status, 'draft');
    assert.equal(boltPo.supplier_id, s.boltco.id);
    assert.equal(boltPo.expected_date, `${addDays(5)}T00:00:00.000Z`);
    assert.deepEqual(
      boltPo.line_items.map((l: any) => [l.id, l.sku, l.quantity_ordered, l.unit_cost]),
      [[p.get(s.sku.bolt).purchase_order_line_item_id, s.sku.bolt, 100, 10]],
    );
    const barPo = await ok(await t.api('GET', `/v1/purchase_orders/${p.get(s.sku.bar).purchase_order_id}`));
    assert.equal(barPo.supplier_id, s.barco.id);
    assert.equal(barPo.line_items[0].quantity_ordered, 10);
    const kitWo = await ok(await t.api('GET', `/v1/work_orders/${p.get(s.sku.kit).work_order_id}`));
    assert.deepEqual(
      [kitWo.status, kitWo.sku, kitWo.quantity, kitWo.due_date],
      ['planned', s.sku.kit, 8, `${addDays(12)}T00:00:00.000Z`],
    );
    const frameWo = await ok(await t.api('GET', `/v1/work_orders/${p.get(s.sku.frame).work_order_id}`));
    assert.deepEqual([frameWo.quantity, frameWo.due_date], [7, `${addDays(10)}T00:00:00.000Z`]);

    // Again, by id: nothing new, same links.
    const twice = await ok(
      await t.api('POST', `/v1/planning/replenishment/${run.id}/apply`, {
        proposal_ids: applied.proposals.map((x: any) => x.id),
      }),
    );
    assert.deepEqual(twice, applied);
    assert.equal(await countPos(), 3);
    assert.equal(await countWos(), 2);
    const events = await ok(await t.api('GET', `/v1/plan_runs/${run.id}/events`));
    assert.deepEqual(events.data.map((e: any) => e.type).sort(), ['plan_run.applied', 'plan_run.created']);

    // A later plan counts what was applied as supply: nothing more to propose.
    const next = await plan(t, s.at);
    assert.deepEqual(next.proposals, []);

    // Receive the purchase orders, build the frames then the kits: the plan stays clear.
    for (const po of [boltPo, barPo]) {
      await ok(await t.api('POST', `/v1/purchase_orders/${po.id}/submit`));
      await ok(await t.api('POST', `/v1/purchase_orders/${po.id}/approve`));
      await ok(
        await t.api('POST', `/v1/purchase_orders/${po.id}/receive`, {
          line_items: po.line_items.map((l: any) => ({ id: l.id, quantity: l.quantity_ordered })),
        }),
      );
    }
    for (const wo of [frameWo, kitWo]) {
      await ok(await t.api('POST', `/v1/work_orders/${wo.id}/release`, {}));
      await ok(await t.api('POST', `/v1/work_orders/${wo.id}/start`));
      await ok(await t.api('POST', `/v1/work_orders/${wo.id}/complete`, { quantity: wo.quantity }));
    }
    const cleared = await plan(t, s.at);
    assert.deepEqual(cleared.proposals, []);
    const kit = (await t.api('GET', `/v1/inventory_items?sku=${s.sku.kit}&location_id=${s.at}`)).body.data[0];
    assert.equal(kit.on_hand, 10, 'enough kits for the order of 10');
    await assertLedgerClean(t);
  });

  it('applies only the named proposals, and a later plan proposes only the rest', async () => {
    const t = await getTestContext();
    const s = await kitScenario(t);
    const run = await plan(t, s.at);
    const bolt = bySku(run).get(s.sku.bolt);
    const partly = await ok(
      await t.api('POST', `/v1/planning/replenishment/${run.id}/apply`, { proposal_ids: [bolt.id] }),
    );
    assert.equal(partly.status, 'partially_applied');
    assert.deepEqual(
      partly.proposals.filter((p: any) => p.status === 'applied').map((p: any) => p.sku),
      [s.sku.bolt],
    );
    const next = await plan(t, s.at);
    assert.deepEqual(
      next.proposals.map((p: any) => [p.sku, p.quantity]),
      [
        [s.sku.kit, 8],
        [s.sku.frame, 7],
        [s.sku.bar, 10],
      ],
      'the 100 bolts on the draft order cover the bolts',
    );
  });

  it('rounds buys to the supplier SKU: minimum order quantity, then the multiple', async () => {
    const t = await getTestContext();
    const tag = unique('').toUpperCase();
    const location = await ok(await t.api('POST', '/v1/locations', { code: `PLR-${tag}`, name: 'Rounding' }), 201);
    const supplier = await ok(await t.api('POST', '/v1/suppliers', { name: 'Round Co' }), 201);
    const cases = [
      { sku: `R1-${tag}`, reorder_point: 7, moq: 1, multiple: 1, expected: 7 },
      { sku: `R2-${tag}`, reorder_point: 7, moq: 25, multiple: 1, expected: 25 },
      { sku: `R3-${tag}`, reorder_point: 7, moq: 1, multiple: 12, expected: 12 },
      { sku: `R4-${tag}`, reorder_point: 30, moq: 25, multiple: 12, expected: 36 },
      { sku: `R5-${tag}`, reorder_point: 10, moq: 25, multiple: 10, expected: 30 },
    ];
    for (const c of cases) {
      await ok(
        await t.api('POST', '/v1/inventory_items', {
          sku: c.sku,
          location_id: location.id,
          reorder_point: c.reorder_point,
        }),
        201,
      );
      await ok(
        await t.api('POST', '/v1/supplier_skus', {
          supplier_id: supplier.code ?? supplier.id,
          sku: c.sku,
          unit_cost: 100,
          min_order_quantity: c.moq,
          order_multiple: c.multiple,
        }),
        201,
      );
    }
    const run = await plan(t, location.code);
    assert.deepEqual(
      run.proposals.map((p: any) => [p.sku, p.explanation.net_requirement, p.quantity]),
      cases.map((c) => [c.sku, c.reorder_point, c.expected]),
    );
  });

  it('buys a component its parent lists as bought, even with a BOM of its own; sku_in narrows the plan', async () => {
    const t = await getTestContext();
    const tag = unique('').toUpperCase();
    const location = await ok(await t.api('POST', '/v1/locations', { code: `PLB-${tag}`, name: 'Buy lines' }), 201);
    const [top, sub, part, other] = ['TOP', 'SUB', 'PART', 'OTHER'].map((n) => `${n}-${tag}`);
    for (const [sku, fields] of [
      [top, { reorder_point: 2 }],
      [sub, {}],
      [part, {}],
      [other, { safety_stock: 4 }],
    ] as const)
      await ok(await t.api('POST', '/v1/inventory_items', { sku, location_id: location.id, ...fields }), 201);
    for (const body of [
      { sku: sub, line_items: [{ component_sku: part, quantity: 3 }] },
      { sku: top, line_items: [{ component_sku: sub, quantity: 1 }] }, // supply_type defaults to buy
    ]) {
      const created = await ok(await t.api('POST', '/v1/bill_of_materials', { name: 'BOM', ...body }), 201);
      await ok(await t.api('POST', `/v1/bill_of_materials/${created.id}/activate`));
    }
    const run = await plan(t, location.id, `&sku_in=${top}`);
    assert.deepEqual(
      run.proposals.map((p: any) => [p.sku, p.action, p.quantity, p.level]),
      [
        [top, 'make', 2, 0],
        [sub, 'buy', 2, 1],
      ],
      'SUB is bought (its line says buy), so PART is not needed; OTHER is outside sku_in',
    );
    assert.deepEqual(run.sku_in, [top]);
    const everything = await plan(t, location.id);
    assert.deepEqual(
      everything.proposals.map((p: any) => p.sku),
      [other, top, sub],
    );
  });

  it('supplier SKUs: one preferred per SKU, supplier checked, filters', async () => {
    const t = await getTestContext();
    const sku = unique('SSK-');
    const one = await ok(await t.api('POST', '/v1/suppliers', { name: 'One' }), 201);
    const two = await ok(await t.api('POST', '/v1/suppliers', { name: 'Two' }), 201);
    const first = await ok(
      await t.api('POST', '/v1/supplier_skus', { supplier_id: one.id, sku, unit_cost: 100, preferred: true }),
      201,
    );
    assert.match(first.id, /^ssk_/);
    assert.deepEqual([first.min_order_quantity, first.order_multiple, first.lead_time_days], [1, 1, null]);
    const second = await ok(
      await t.api('POST', '/v1/supplier_skus', { supplier_id: two.id, sku, unit_cost: 90, preferred: true }),
      201,
    );
    const preferred = await ok(await t.api('GET', `/v1/supplier_skus?sku=${sku}&preferred=true`));
    assert.deepEqual(
      preferred.data.map((r: any) => r.id),
      [second.id],
    );
    assert.equal((await ok(await t.api('GET', `/v1/supplier_skus/${first.id}`))).preferred, false);
    const back = await ok(
      await t.api('PATCH', `/v1/supplier_skus/${first.id}`, { preferred: true, lead_time_days: 3 }),
    );
    assert.deepEqual([back.preferred, back.lead_time_days], [true, 3]);
    assert.equal((await ok(await t.api('GET', `/v1/supplier_skus/${second.id}`))).preferred, false);
    const bySupplier = await ok(await t.api('GET', `/v1/supplier_skus?supplier_id=${two.id}`));
    assert.deepEqual(
      bySupplier.data.map((r: any) => r.id),
      [second.id],
    );

    const unknown = await t.api('POST', '/v1/supplier_skus', { supplier_id: 'sup_nope', sku, unit_cost: 1 });
    assert.equal(unknown.status, 404, unknown.raw);
    assert.equal(unknown.body.error.param, 'supplier_id');
    const dup = await t.api('POST', '/v1/supplier_skus', { supplier_id: one.id, sku, unit_cost: 1 });
    assert.equal(dup.status, 409, dup.raw);
    const bad = await t.api('POST', '/v1/supplier_skus', {
      supplier_id: one.id,
      sku: 'X',
      unit_cost: 1,
      order_multiple: 0,
    });
    assert.equal(bad.status, 400, bad.raw);
    const deleted = await ok(await t.api('DELETE', `/v1/supplier_skus/${second.id}`));
    assert.deepEqual(deleted, { id: second.id, object: 'supplier_sku', deleted: true });
    assert.equal((await t.api('GET', `/v1/supplier_skus/${second.id}`)).status, 404);
    // A supplier with supplier SKUs but no purchase order can still be deleted, its SKUs with it.
    await ok(await t.api('DELETE', `/v1/suppliers/${one.id}`));
    assert.equal((await t.api('GET', `/v1/supplier_skus/${first.id}`)).status, 404);
  });

  it('refuses bad input: unknown location, bad horizon, unknown plan, unknown or unsupplied proposal', async () => {
    const t = await getTestContext();
    const loc = await t.api('GET', '/v1/planning/replenishment?location_id=NO-SUCH-PLACE');
    assert.equal(loc.status, 404, loc.raw);
    assert.equal(loc.body.error.param, 'location_id');
    for (const h of ['0', '366', 'abc', '1.5']) {
      const res = await t.api('GET', `/v1/planning/replenishment?horizon_days=${h}`);
      assert.equal(res.status, 400, `${h}: ${res.raw}`);
    }
    const unknownParam = await t.api('GET', '/v1/planning/replenishment?horizon=3');
    assert.equal(unknownParam.status, 400, unknownParam.raw);
    assert.equal((await t.api('GET', '/v1/planning/replenishment/pln_nope')).status, 404);
    const applyMissing = await t.api('POST', '/v1/planning/replenishment/pln_nope/apply', {});
    assert.equal(applyMissing.status, 404, applyMissing.raw);

    const tag = unique('').toUpperCase();
    const location = await ok(await t.api('POST', '/v1/locations', { code: `PLV-${tag}`, name: 'Validation' }), 201);
    await ok(
      await t.api('POST', '/v1/inventory_items', { sku: `NOSUP-${tag}`, location_id: location.id, safety_stock: 3 }),
      201,
    );
    const run = await plan(t, location.id);
    assert.deepEqual(
      run.proposals.map((p: any) => [p.sku, p.action, p.quantity, p.supplier_id]),
      [[`NOSUP-${tag}`, 'buy', 3, null]],
    );
    const unknown = await t.api('POST', `/v1/planning/replenishment/${run.id}/apply`, { proposal_ids: ['prp_nope'] });
    assert.equal(unknown.status, 400, unknown.raw);
    assert.equal(unknown.body.error.details[0].path, 'proposal_ids.0');
    const unsupplied = await t.api('POST', `/v1/planning/replenishment/${run.id}/apply`, {
      proposal_ids: [run.proposals[0].id],
    });
    assert.equal(unsupplied.status, 409, unsupplied.raw);
    assert.equal(unsupplied.body.error.code, 'no_supplier');
    // The refused applies left no trace: the run is as computed, with no applied event.
    const after = await ok(await t.api('GET', `/v1/planning/replenishment/${run.id}`));
    assert.equal(after.status, 'proposed');
    assert.equal(after.version, run.version);
    const timeline = await ok(await t.api('GET', `/v1/plan_runs/${run.id}/events`));
    assert.deepEqual(
      timeline.data.map((e: any) => e.type),
      ['plan_run.created'],
    );
    // Applying all leaves it proposed: nothing to create.
    const all = await ok(await t.api('POST', `/v1/planning/replenishment/${run.id}/apply`, {}));
    assert.equal(all.proposals[0].status, 'proposed');
    assert.equal(all.status, 'proposed');
  });
});
