import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DB } from '../../db/connection.js';
import type { RequestContext } from '../../platform/context.js';
import { contextOf, DeletedSchema, errorResponses, expectedVersion, IdParams } from '../../platform/http.js';
import { listEnvelopeSchema, listQuerySchema, type ListSpec } from '../../platform/list.js';
import { registerTimelineRoute } from '../events/index.js';
import {
  activateBom,
  bomLineListSpec,
  bomListSpec,
  buildToStock,
  costBom,
  createBom,
  createBomLine,
  deleteBom,
  deleteBomLine,
  explodeBom,
  getBom,
  getBomLine,
  listBomLines,
  listBoms,
  obsoleteBom,
  updateBom,
  updateBomLine,
} from './boms.js';
import {
  cancelManufactureOrder,
  completeManufactureOrder,
  createManufactureOrder,
  deleteManufactureOrder,
  getManufactureOrder,
  getManufactureOrderLine,
  listManufactureOrderLines,
  listManufactureOrders,
  manufactureOrderLineListSpec,
  manufactureOrderListSpec,
  planManufactureOrder,
  startManufactureOrder,
  updateManufactureOrder,
} from './manufacture-orders.js';
import {
  AssignBody,
  BomLineSchema,
  BomSchema,
  BuildResultSchema,
  BuildToStockBody,
  CompleteBody,
  CostQuery,
  CostSchema,
  CreateBomBody,
  CreateBomLineBody,
  CreateManufactureOrderBody,
  CreateWorkOrderBody,
  ExplodeQuery,
  ExplosionSchema,
  IssueBody,
  ManufactureOrderLineSchema,
  ManufactureOrderSchema,
  ReasonBody,
  ReleaseBody,
  ROUNDING_RULE,
  UpdateBomBody,
  UpdateBomLineBody,
  UpdateManufactureOrderBody,
  UpdateWorkOrderBody,
  WorkOrderLineSchema,
  WorkOrderSchema,
} from './schemas.js';
import {
  assignWorkOrder,
  cancelWorkOrder,
  completeWorkOrder,
  createWorkOrder,
  deleteWorkOrder,
  getWorkOrder,
  getWorkOrderLine,
  holdWorkOrder,
  issueWorkOrder,
  listWorkOrderLines,
  listWorkOrders,
  releaseWorkOrder,
  resumeWorkOrder,
  startWorkOrder,
  updateWorkOrder,
  workOrderLineListSpec,
  workOrderListSpec,
} from './work-orders.js';

const typed = (app: FastifyInstance) => app.withTypeProvider<ZodTypeProvider>();
type Route = ReturnType<typeof typed>;

interface ResourceRoutes {
  path: string;
  tag: string;
  scope: string;
  name: string;
  schema: z.ZodType;
  listSpec: ListSpec;
  list: (query: Record<string, unknown>) => Promise<unknown>;
  get: (id: string) => Promise<unknown>;
  idDescription: string;
}

/** List and retrieve, the same for every resource here. */
function readRoutes(r: Route, res: ResourceRoutes) {
  r.get(
    res.path,
    {
      config: { scope: `${res.scope}:read` },
      schema: {
        tags: [res.tag],
        summary: `List ${res.name}s`,
        querystring: listQuerySchema(res.listSpec),
        response: { 200: listEnvelopeSchema(res.schema), ...errorResponses() },
      },
    },
    async (req) => (await res.list(req.query as Record<string, unknown>)) as any,
  );
  r.get(
    `${res.path}/:id`,
    {
      config: { scope: `${res.scope}:read` },
      schema: {
        tags: [res.tag],
        summary: `Retrieve a ${res.name}`,
        description: res.idDescription,
        params: IdParams,
        response: { 200: res.schema, ...errorResponses(404) },
      },
    },
    async (req) => res.get(req.params.id),
  );
}

/** PATCH and its PUT/POST aliases. */
function updateRoutes<B extends z.ZodType>(
  r: Route,
  opts: { path: string; tag: string; scope: string; name: string; description: string; body: B; schema: z.ZodType },
  handler: (ctx: RequestContext, id: string, body: z.output<B>, expected: number | undefined) => Promise<unknown>,
) {
  for (const method of ['PATCH', 'PUT', 'POST'] as const) {
    r.route({
      method,
      url: `${opts.path}/:id`,
      config: { scope: `${opts.scope}:write` },
      schema: {
        tags: [opts.tag],
        summary: `Update a ${opts.name}${method === 'PATCH' ? '' : ` (${method} alias of PATCH)`}`,
        description: opts.description,
        params: IdParams,
        body: opts.body,
        response: { 200: opts.schema, ...errorResponses(404, 409, 412) },
      },
      handler: async (req) =>
        handler(contextOf(req), (req.params as { id: string }).id, req.body as z.output<B>, expectedVersion(req)),
    });
  }
}

/** `POST <path>/:id/<action>`, answering the updated resource. */
function actionRoute<B extends z.ZodType>(
  r: Route,
  opts: {
    path: string;
    tag: string;
    scope: string;
    action: string;
    summary: string;
    description: string;
    body?: B;
    schema: z.ZodType;
  },
  handler: (ctx: RequestContext, id: string, body: z.output<B>, expected: number | undefined) => Promise<unknown>,
) {
  r.post(
    `${opts.path}/:id/${opts.action}`,
    {
      config: { scope: `${opts.scope}:write` },
      schema: {
        tags: [opts.tag],
        summary: opts.summary,
        description: opts.description,
        params: IdParams,
        ...(opts.body ? { body: opts.body } : {}),
        response: { 200: opts.schema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => handler(contextOf(req), req.params.id, (req.body ?? {}) as z.output<B>, expectedVersion(req)),
  );
}

function deleteRoute(
  r: Route,
  opts: { path: string; tag: string; scope: string; name: string; description: string },
  handler: (ctx: RequestContext, id: string, expected: number | undefined) => Promise<unknown>,
) {
  r.delete(
    `${opts.path}/:id`,
    {
      config: { scope: `${opts.scope}:write` },
      schema: {
        tags: [opts.tag],
        summary: `Delete a ${opts.name}`,
        description: opts.description,
        params: IdParams,
        response: { 200: DeletedSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => (await handler(contextOf(req), req.params.id, expectedVersion(req))) as any,
  );
}

export async function manufacturingRoutes(app: FastifyInstance, { db }: { db: DB }) {
  const r = typed(app);
  bomRoutes(r, db);
  workOrderRoutes(r, db);
  manufactureOrderRoutes(r, db);
  registerTimelineRoute(app, db, {
    resource: 'bill_of_materials',
    tag: 'Bills of materials',
    objectName: 'bill of materials',
    load: (id) => getBom(db, id),
  });
  registerTimelineRoute(app, db, {
    resource: 'work_orders',
    tag: 'Work orders',
    objectName: 'work order',
    load: (id) => getWorkOrder(db, id),
  });
  registerTimelineRoute(app, db, {
    resource: 'manufacture_orders',
    tag: 'Manufacture orders',
    objectName: 'manufacture order',
    load: (id) => getManufactureOrder(db, id),
  });
}

// ---------------------------------------------------------------- bills of materials

function bomRoutes(r: Route, db: DB) {
  const path = '/v1/bill_of_materials';
  const tag = 'Bills of materials';
  const scope = 'bill_of_materials';
  const base = { path, tag, scope };
  const cycleRule =
    'A BOM that would contain itself at any depth (through the active BOMs of its components) is refused with 400 bom_cycle, naming the loop in the message and in details.path, e.g. "KIT -> SUB -> KIT".';

  r.post(
    path,
    {
      config: { scope: `${scope}:write` },
      schema: {
        tags: [tag],
        summary: 'Create a bill of materials',
        description: `Created as draft; activate it to build from it. ${cycleRule} ${ROUNDING_RULE}`,
        body: CreateBomBody,
        response: { 201: BomSchema, ...errorResponses(409) },
      },
    },
    async (req, reply) => reply.code(201).send(await createBom(db, contextOf(req), req.body)),
  );
  readRoutes(r, {
    ...base,
    name: 'bill of materials',
    schema: BomSchema,
    listSpec: bomListSpec,
    list: (q) => listBoms(db, q),
    get: (id) => getBom(db, id),
    idDescription: 'By id or by bom_number (BOM-000001).',
  });
  updateRoutes(
    r,
    {
      ...base,
      name: 'bill of materials',
      description: 'Draft or active BOMs. Lines change through /v1/bill_of_materials_line_items.',
      body: UpdateBomBody,
      schema: BomSchema,
    },
    (ctx, id, body, v) => updateBom(db, ctx, id, body, v),
  );
  deleteRoute(
    r,
    {
      ...base,
      name: 'bill of materials',
      description:
        'Draft or obsolete BOMs no work order or manufacture order used (409 bill_of_materials_in_use otherwise).',
    },
    (ctx, id, v) => deleteBom(db, ctx, id, v),
  );
  actionRoute(
    r,
    {
      ...base,
      action: 'activate',
      summary: 'Activate a bill of materials',
      description: `From draft or obsolete. One BOM per SKU is active: the SKU's current active BOM becomes obsolete in the same transaction (event bill_of_materials.obsoleted). ${cycleRule}`,
      schema: BomSchema,
    },
    (ctx, id, _b, v) => activateBom(db, ctx, id, v),
  );
  actionRoute(
    r,
    {
      ...base,
      action: 'obsolete',
      summary: 'Make a bill of materials obsolete',
      description: 'From draft or active.',
      schema: BomSchema,
    },
    (ctx, id, _b, v) => obsoleteBom(db, ctx, id, v),
  );
  r.get(
    `${path}/:id/explode`,
    {
      config: { scope: `${scope}:read` },
      schema: {
        tags: [tag],
        summary: 'Explode a bill of materials',
        description: `Requirements for \`quantity\` units at every level: make components with an active BOM are exploded through it. Each component shows on_hand, available and shortage at the location; \`requirements\` sums them per SKU (gross: stock of a sub-assembly is not netted off its components). ${ROUNDING_RULE} The whole tree is loaded with one query per level.`,
        params: IdParams,
        querystring: ExplodeQuery,
        response: { 200: ExplosionSchema, ...errorResponses(404) },
      },
    },
    async (req) => explodeBom(db, req.params.id, req.query),
  );
  r.get(
    `${path}/:id/cost`,
    {
      config: { scope: `${scope}:read` },
      schema: {
        tags: [tag],
        summary: 'Roll up the cost of a bill of materials',
        description:
          "Standard material cost per unit in cents: bought components at their inventory unit_cost (at the location, else any location's), make components at their own BOM's rolled-up cost, quantities with scrap and unrounded (no batch rounding); rounded half up to the cent once. `levels` gives the cost bought at each level; `missing_unit_costs` the SKUs counted as 0.",
        params: IdParams,
        querystring: CostQuery,
        response: { 200: CostSchema, ...errorResponses(404) },
      },
    },
    async (req) => costBom(db, req.params.id, req.query),
  );
  actionRoute(
    r,
    {
      ...base,
      action: 'build_to_stock',
      summary: 'Build to stock',
      description: `Builds \`quantity\` units of an active BOM's SKU now, in one transaction: every direct component is taken out of stock at the location (\`production_consume\` movements; sub-assemblies come from their stock, they are not built) and the output is added there (\`build_to_stock\`). All or nothing: a shortage of any component is a 409 insufficient_inventory listing every shortage. ${ROUNDING_RULE}`,
      body: BuildToStockBody,
      schema: BuildResultSchema,
    },
    (ctx, id, body) => buildToStock(db, ctx, id, body),
  );

  const lines = '/v1/bill_of_materials_line_items';
  r.post(
    lines,
    {
      config: { scope: `${scope}:write` },
      schema: {
        tags: [tag],
        summary: 'Add a line to a bill of materials',
        description: `Draft or active BOMs. ${cycleRule}`,
        body: CreateBomLineBody,
        response: { 201: BomLineSchema, ...errorResponses(404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await createBomLine(db, contextOf(req), req.body)),
  );
  readRoutes(r, {
    path: lines,
    tag,
    scope,
    name: 'bill of materials line item',
    schema: BomLineSchema,
    listSpec: bomLineListSpec,
    list: (q) => listBomLines(db, q),
    get: (id) => getBomLine(db, id),
    idDescription: 'By id (bli_...).',
  });
  updateRoutes(
    r,
    {
      path: lines,
      tag,
      scope,
      name: 'bill of materials line item',
      description: `Draft or active BOMs. ${cycleRule}`,
      body: UpdateBomLineBody,
      schema: BomLineSchema,
    },
    (ctx, id, body, v) => updateBomLine(db, ctx, id, body, v),
  );
  deleteRoute(
    r,
    { path: lines, tag, scope, name: 'bill of materials line item', description: 'Draft or active BOMs.' },
    (ctx, id, v) => deleteBomLine(db, ctx, id, v),
  );
}

// ---------------------------------------------------------------- work orders

function workOrderRoutes(r: Route, db: DB) {
  const path = '/v1/work_orders';
  const tag = 'Work orders';
  const scope = 'work_orders';
  const base = { path, tag, scope, schema: WorkOrderSchema };
  const machine =
    'Status machine: planned -> released -> in_progress -> completed; on_hold from released or in_progress (resume returns to where it was); cancelled from planned, released or on_hold. Any other action is 409 invalid_transition naming the status.';

  r.post(
    path,
    {
      config: { scope: `${scope}:write` },
      schema: {
        tags: [tag],
        summary: 'Create a work order',
        description: `Planned; its lines are the active BOM's requirements for the quantity, copied now. standard_labor_hours defaults to the BOM's labor_hours scaled to the quantity. ${ROUNDING_RULE} ${machine}`,
        body: CreateWorkOrderBody,
        response: { 201: WorkOrderSchema, ...errorResponses(404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await createWorkOrder(db, contextOf(req), req.body)),
  );
  readRoutes(r, {
    ...base,
    name: 'work order',
    listSpec: workOrderListSpec,
    list: (q) => listWorkOrders(db, q),
    get: (id) => getWorkOrder(db, id),
    idDescription: 'By id or by work_order_number (WO-000001).',
  });
  updateRoutes(
    r,
    {
      ...base,
      name: 'work order',
      description: 'Open work orders. Status changes through the actions; quantity and BOM are fixed at creation.',
      body: UpdateWorkOrderBody,
    },
    (ctx, id, body, v) => updateWorkOrder(db, ctx, id, body, v),
  );
  deleteRoute(
    r,
    {
      path,
      tag,
      scope,
      name: 'work order',
      description: 'Planned work orders that belong to no manufacture order; cancel others.',
    },
    (ctx, id, v) => deleteWorkOrder(db, ctx, id, v),
  );
  actionRoute(
    r,
    {
      ...base,
      action: 'release',
      summary: 'Release a work order',
      description:
        'Reserves every component still needed at the location through the inventory ledger (reference work_order). Short: 409 insufficient_inventory listing each shortage, nothing reserved; with allow_partial, reserves what is available and the rest when it is issued.',
      body: ReleaseBody,
    },
    (ctx, id, body, v) => releaseWorkOrder(db, ctx, id, body ?? {}, v),
  );
  actionRoute(
    r,
    { ...base, action: 'start', summary: 'Start a work order', description: 'released -> in_progress.' },
    (ctx, id, _b, v) => startWorkOrder(db, ctx, id, v),
  );
  actionRoute(
    r,
    {
      ...base,
      action: 'issue',
      summary: 'Issue components to a work order',
      description:
        'Consumes components (production_consume movements) from the reservations, reserving first what a line lacks (409 insufficient_inventory when short). Lines are named by id or component SKU; without line_items, everything still to issue. More than a line still needs is 409 over_issue.',
      body: IssueBody,
    },
    (ctx, id, body, v) => issueWorkOrder(db, ctx, id, body ?? {}, v),
  );
  actionRoute(
    r,
    {
      ...base,
      action: 'complete',
      summary: 'Complete a work order (or part of it)',
      description:
        'From in_progress. Issues what each line still needs for the units completed so far (the rounding rule for the cumulative quantity), adds `quantity` finished units at output_location_id (production_output) and adds labor_hours to actual_labor_hours. When the last unit is done the work order is completed and anything still reserved is released; before that it stays in_progress (event work_order.partially_completed).',
      body: CompleteBody,
    },
    (ctx, id, body, v) => completeWorkOrder(db, ctx, id, body ?? {}, v),
  );
  actionRoute(
    r,
    {
      ...base,
      action: 'hold',
      summary: 'Hold a work order',
      description: 'From released or in_progress; reservations stay.',
      body: ReasonBody,
    },
    (ctx, id, _b, v) => holdWorkOrder(db, ctx, id, v),
  );
  actionRoute(
    r,
    {
      ...base,
      action: 'resume',
      summary: 'Resume a held work order',
      description: 'Back to the status it was held in.',
      body: ReasonBody,
    },
    (ctx, id, _b, v) => resumeWorkOrder(db, ctx, id, v),
  );
  actionRoute(
    r,
    {
      ...base,
      action: 'cancel',
      summary: 'Cancel a work order',
      description:
        'From planned, released or on_hold; releases what it has reserved (components already issued stay consumed).',
      body: ReasonBody,
    },
    (ctx, id, _b, v) => cancelWorkOrder(db, ctx, id, v),
  );
  actionRoute(
    r,
    {
      ...base,
      action: 'assign',
      summary: 'Assign a work order',
      description: 'Sets (or with null clears) the assignee of an open work order.',
      body: AssignBody,
    },
    (ctx, id, body, v) => assignWorkOrder(db, ctx, id, body.assignee, v),
  );

  readRoutes(r, {
    path: '/v1/work_order_line_items',
    tag,
    scope,
    name: 'work order line item',
    schema: WorkOrderLineSchema,
    listSpec: workOrderLineListSpec,
    list: (q) => listWorkOrderLines(db, q),
    get: (id) => getWorkOrderLine(db, id),
    idDescription:
      'By id (wkl_...). Lines are copied from the BOM when the work order is created and change through its actions.',
  });
}

// ---------------------------------------------------------------- manufacture orders

function manufactureOrderRoutes(r: Route, db: DB) {
  const path = '/v1/manufacture_orders';
  const tag = 'Manufacture orders';
  const scope = 'manufacture_orders';
  const base = { path, tag, scope, schema: ManufactureOrderSchema };

  r.post(
    path,
    {
      config: { scope: `${scope}:write` },
      schema: {
        tags: [tag],
        summary: 'Create a manufacture order',
        description:
          'A demand to make `quantity` of a SKU by due_date from its active BOM (or bom_id). Planned, with one product line; plan creates its work orders. Status machine: planned -> in_production -> completed; cancelled before completion.',
        body: CreateManufactureOrderBody,
        response: { 201: ManufactureOrderSchema, ...errorResponses(404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await createManufactureOrder(db, contextOf(req), req.body)),
  );
  readRoutes(r, {
    ...base,
    name: 'manufacture order',
    listSpec: manufactureOrderListSpec,
    list: (q) => listManufactureOrders(db, q),
    get: (id) => getManufactureOrder(db, id),
    idDescription: 'By id or by manufacture_order_number (MO-000001).',
  });
  updateRoutes(
    r,
    {
      ...base,
      name: 'manufacture order',
      description:
        'priority, due_date, memo, metadata of a planned or in-production order (planned work orders keep their due dates).',
      body: UpdateManufactureOrderBody,
    },
    (ctx, id, body, v) => updateManufactureOrder(db, ctx, id, body, v),
  );
  deleteRoute(
    r,
    { path, tag, scope, name: 'manufacture order', description: 'Only before it is planned; cancel it afterwards.' },
    (ctx, id, v) => deleteManufactureOrder(db, ctx, id, v),
  );
  actionRoute(
    r,
    {
      ...base,
      action: 'plan',
      summary: 'Plan a manufacture order',
      description:
        "Explodes the BOM and creates one planned work order per make-level assembly (the product and every make component with an active BOM, summed per SKU), linked to the order and listed in its line_items (output_type product / component, with work_order_id). Sub-assemblies are created before what consumes them; each is due its parent BOM's lead_time_days before its parent (the product is due on the order's due_date). Sub-assemblies are made at location_id, the product lands at yield_location_id. Once only (409 already_planned).",
    },
    (ctx, id, _b, v) => planManufactureOrder(db, ctx, id, v),
  );
  actionRoute(
    r,
    {
      ...base,
      action: 'start',
      summary: 'Start a manufacture order',
      description: 'planned -> in_production, once planned (409 not_planned).',
    },
    (ctx, id, _b, v) => startManufactureOrder(db, ctx, id, v),
  );
  actionRoute(
    r,
    {
      ...base,
      action: 'complete',
      summary: 'Complete a manufacture order',
      description:
        'in_production -> completed, only when every work order of it (not cancelled) is completed: 409 work_orders_open listing the others.',
    },
    (ctx, id, _b, v) => completeManufactureOrder(db, ctx, id, v),
  );
  actionRoute(
    r,
    {
      ...base,
      action: 'cancel',
      summary: 'Cancel a manufacture order',
      description:
        'Cancels it and its open work orders (planned, released, on hold), releasing their reservations. A work order in progress is 409 work_order_in_progress: hold it first.',
      body: ReasonBody,
    },
    (ctx, id, _b, v) => cancelManufactureOrder(db, ctx, id, v),
  );
  readRoutes(r, {
    path: '/v1/manufacture_order_line_items',
    tag,
    scope,
    name: 'manufacture order line item',
    schema: ManufactureOrderLineSchema,
    listSpec: manufactureOrderLineListSpec,
    list: (q) => listManufactureOrderLines(db, q),
    get: (id) => getManufactureOrderLine(db, id),
    idDescription: 'By id (mfl_...). Written by plan.',
  });
}
