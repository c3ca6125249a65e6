import { z } from 'zod';
import { int4, int8, IsoDateTimeSchema, MetadataSchema } from '../../platform/schemas.js';
import { BOM_STATUSES, MANUFACTURE_ORDER_STATUSES, WORK_ORDER_STATUSES } from './transitions.js';

/** Quantities are integers; this bound keeps quantity x quantity_per x 10000 exact in JavaScript. */
const Quantity = int8(1, 1_000_000_000);
const Sku = z.string().trim().min(1).max(100);
const Uom = z.string().trim().min(1).max(20);
const Hours = z.number().min(0).max(1_000_000);
export const SUPPLY_TYPES = ['buy', 'make'] as const;
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;

export const ROUNDING_RULE =
  'Requirements are whole units: for a BOM line, required = ceil(quantity x N x (1 + scrap_percent/100) / output_quantity) for N units of the parent, computed exactly (scrap_percent has at most 2 decimals), whatever the uom. A make component with an active BOM of its own is exploded the same way from its rounded requirement.';

// ---------------------------------------------------------------- bills of materials

const bomLineFields = {
  component_sku: Sku,
  quantity: Quantity.describe('Units of the component per output_quantity of the BOM'),
  uom: Uom.optional().describe('Unit label, default "each"'),
  scrap_percent: z
    .number()
    .min(0)
    .max(1000)
    .refine(
      (v) => Number.isInteger(Math.round(v * 100)) && Math.abs(v * 100 - Math.round(v * 100)) < 1e-9,
      'At most 2 decimal places',
    )
    .optional()
    .describe('Extra percentage consumed as scrap, at most 2 decimals (default 0)'),
  supply_type: z
    .enum(SUPPLY_TYPES)
    .optional()
    .describe('make: built from its own active BOM (exploded, planned as a work order); buy: bought (default)'),
  notes: z.string().max(1000).nullish(),
  metadata: MetadataSchema.optional(),
};
export const BomLineInput = z.strictObject(bomLineFields);
export type BomLineInputT = z.output<typeof BomLineInput>;

const bomFields = {
  name: z.string().trim().min(1).max(200),
  sku: Sku.describe('The SKU this BOM makes'),
  description: z.string().max(2000).nullish(),
  output_quantity: Quantity.optional().describe('Units one batch of the lines makes (default 1)'),
  uom: Uom.optional(),
  revision: z.string().trim().min(1).max(20).optional().describe('Engineering revision, default "A"'),
  lead_time_days: int4(0, 3650)
    .optional()
    .describe('Days it takes to make; due dates of the sub-assemblies planned for it are set this many days earlier'),
  labor_hours: Hours.optional().describe('Standard labor hours per output_quantity'),
  metadata: MetadataSchema.optional(),
};
export const CreateBomBody = z.strictObject({
  ...bomFields,
  line_items: z.array(BomLineInput).max(500).optional(),
});
export type CreateBomInput = z.output<typeof CreateBomBody>;
export const UpdateBomBody = z.strictObject({
  name: bomFields.name.optional(),
  description: bomFields.description,
  output_quantity: bomFields.output_quantity,
  uom: bomFields.uom,
  revision: bomFields.revision,
  lead_time_days: bomFields.lead_time_days,
  labor_hours: bomFields.labor_hours,
  metadata: bomFields.metadata,
});
export type UpdateBomInput = z.output<typeof UpdateBomBody>;

export const CreateBomLineBody = z.strictObject({
  bill_of_materials_id: z.string().min(1).max(100).describe('The BOM (id or bom_number)'),
  ...bomLineFields,
});
export type CreateBomLineInput = z.output<typeof CreateBomLineBody>;
export const UpdateBomLineBody = z.strictObject({
  ...bomLineFields,
  component_sku: Sku.optional(),
  quantity: bomLineFields.quantity.optional(),
});
export type UpdateBomLineInput = z.output<typeof UpdateBomLineBody>;

export const BomLineSchema = z
  .object({
    id: z.string(),
    object: z.literal('bill_of_materials_line_item'),
    bill_of_materials_id: z.string(),
    position: z.number().int(),
    component_sku: z.string(),
    quantity: z.number().int(),
    uom: z.string(),
    scrap_percent: z.number(),
    supply_type: z.enum(SUPPLY_TYPES),
    notes: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'BillOfMaterialsLineItem' });
export type BomLine = z.output<typeof BomLineSchema>;

export const BomSchema = z
  .object({
    id: z.string(),
    object: z.literal('bill_of_materials'),
    bom_number: z.string(),
    name: z.string(),
    sku: z.string(),
    description: z.string().nullable(),
    output_quantity: z.number().int(),
    uom: z.string(),
    revision: z.string(),
    status: z.enum(BOM_STATUSES),
    lead_time_days: z.number().int(),
    labor_hours: z.number(),
    line_items: z.array(BomLineSchema),
    metadata: z.record(z.string(), z.unknown()),
    activated_at: z.string().nullable(),
    obsoleted_at: z.string().nullable(),
    version: z.number().int().describe('Concurrency version for If-Match (the engineering revision is `revision`)'),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'BillOfMaterials' });
export type Bom = z.output<typeof BomSchema>;

export const ExplodeQuery = z.strictObject({
  quantity: z.coerce.number().int().min(1).max(1_000_000_000).default(1).describe('Units of the BOM SKU to make'),
  location_id: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe('Where stock is counted (id or code); the default location if absent'),
});
export const CostQuery = z.strictObject({
  quantity: z.coerce.number().int().min(1).max(1_000_000_000).default(1).describe('Units to cost (default 1)'),
  location_id: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe('Where unit costs are read (id or code); default location if absent'),
});

const StockFields = {
  on_hand: z.number().int(),
  available: z.number().int(),
  shortage: z.number().int().describe('max(0, required - available)'),
};
export const ExplosionSchema = z
  .object({
    object: z.literal('bill_of_materials_explosion'),
    bill_of_materials_id: z.string(),
    sku: z.string(),
    quantity: z.number().int(),
    location_id: z.string(),
    rounding: z.string(),
    levels: z.number().int().describe('Depth of the tree (1: only direct components)'),
    components: z
      .array(
        z.object({
          level: z.number().int().describe('1 for the direct components'),
          parent_sku: z.string(),
          sku: z.string(),
          bill_of_materials_line_item_id: z.string(),
          quantity_per: z.number().int(),
          parent_output_quantity: z.number().int(),
          scrap_percent: z.number(),
          uom: z.string(),
          supply_type: z.enum(SUPPLY_TYPES),
          bill_of_materials_id: z
            .string()
            .nullable()
            .describe('The active BOM it is exploded through (make components)'),
          required: z.number().int(),
          ...StockFields,
        }),
      )
      .describe('Every node of the tree, depth first'),
    requirements: z
      .array(
        z.object({
          sku: z.string(),
          supply_type: z.enum(SUPPLY_TYPES),
          levels: z.array(z.number().int()),
          required: z.number().int(),
          ...StockFields,
        }),
      )
      .describe('Flattened: one row per component SKU, summed over every level (gross, sub-assembly stock not netted)'),
    shortages: z.array(z.object({ sku: z.string(), shortage: z.number().int() })),
  })
  .meta({ id: 'BillOfMaterialsExplosion' });
export type Explosion = z.output<typeof ExplosionSchema>;

export const CostSchema = z
  .object({
    object: z.literal('bill_of_materials_cost'),
    bill_of_materials_id: z.string(),
    sku: z.string(),
    quantity: z.number().int(),
    location_id: z.string(),
    currency: z.literal('USD'),
    unit_cost: z.number().int().describe('Cents per unit of the BOM SKU, rounded half up once'),
    total_cost: z.number().int().describe('unit cost x quantity, rounded once'),
    levels: z.array(
      z.object({
        level: z.number().int(),
        material_cost: z.number().int().describe('Cents per unit of the top SKU bought at this level'),
      }),
    ),
    lines: z.array(
      z.object({
        level: z.number().int(),
        parent_sku: z.string(),
        sku: z.string(),
        quantity_per_unit: z
          .number()
          .describe('Units of this component per unit of its parent, scrap included (not rounded)'),
        unit_cost: z.number().nullable().describe('Cents per unit (a rolled-up cost for a make component)'),
        source: z.enum(['inventory', 'bill_of_materials', 'missing']),
        extended_cost: z.number().describe('Cents per unit of the top SKU (not rounded)'),
      }),
    ),
    missing_unit_costs: z.array(z.string()).describe('Bought SKUs with no unit_cost (counted as 0)'),
  })
  .meta({ id: 'BillOfMaterialsCost' });
export type BomCost = z.output<typeof CostSchema>;

export const BuildToStockBody = z.strictObject({
  quantity: Quantity.describe('Units of the BOM SKU to build'),
  location_id: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe('Where components are taken and the output lands (default location if absent)'),
});
export const BuildResultSchema = z
  .object({
    object: z.literal('build'),
    bill_of_materials: BomSchema,
    sku: z.string(),
    quantity: z.number().int(),
    location_id: z.string(),
    consumed: z.array(z.object({ sku: z.string(), quantity: z.number().int(), inventory_item_id: z.string() })),
    output_inventory_item_id: z.string(),
  })
  .meta({ id: 'BuildToStockResult' });

// ---------------------------------------------------------------- work orders

export const WorkOrderLineSchema = z
  .object({
    id: z.string(),
    object: z.literal('work_order_line_item'),
    work_order_id: z.string(),
    position: z.number().int(),
    component_sku: z.string(),
    uom: z.string(),
    quantity_per: z.number().int(),
    bom_output_quantity: z.number().int(),
    scrap_percent: z.number(),
    quantity_required: z.number().int(),
    quantity_reserved: z.number().int().describe('Held for this line in the inventory ledger now'),
    quantity_issued: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'WorkOrderLineItem' });
export type WorkOrderLine = z.output<typeof WorkOrderLineSchema>;

export const WorkOrderSchema = z
  .object({
    id: z.string(),
    object: z.literal('work_order'),
    work_order_number: z.string(),
    bom_id: z.string(),
    sku: z.string(),
    quantity: z.number().int(),
    quantity_completed: z.number().int(),
    location_id: z.string(),
    output_location_id: z.string(),
    manufacture_order_id: z.string().nullable(),
    priority: z.enum(PRIORITIES),
    assignee: z.string().nullable(),
    due_date: z.string().nullable(),
    status: z.enum(WORK_ORDER_STATUSES),
    standard_labor_hours: z.number(),
    actual_labor_hours: z.number(),
    memo: z.string().nullable(),
    line_items: z.array(WorkOrderLineSchema),
    metadata: z.record(z.string(), z.unknown()),
    released_at: z.string().nullable(),
    started_at: z.string().nullable(),
    completed_at: z.string().nullable(),
    cancelled_at: z.string().nullable(),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'WorkOrder' });
export type WorkOrder = z.output<typeof WorkOrderSchema>;

const woEditable = {
  priority: z.enum(PRIORITIES).optional(),
  assignee: z.string().trim().min(1).max(200).nullish(),
  due_date: IsoDateTimeSchema.nullish(),
  memo: z.string().max(2000).nullish(),
  standard_labor_hours: Hours.optional(),
  actual_labor_hours: Hours.optional(),
  metadata: MetadataSchema.optional(),
};
export const CreateWorkOrderBody = z
  .strictObject({
    bom_id: z.string().min(1).max(100).optional().describe('The BOM (id or bom_number); it must be active'),
    sku: Sku.optional().describe('Or the SKU, whose active BOM is used'),
    quantity: Quantity,
    location_id: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe('Where components are taken (id or code; default location)'),
    output_location_id: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe('Where finished goods land (default: location_id)'),
    ...woEditable,
  })
  .refine((b) => b.bom_id || b.sku, { message: 'Give bom_id or sku', path: ['bom_id'] });
export type CreateWorkOrderInput = z.output<typeof CreateWorkOrderBody>;
export const UpdateWorkOrderBody = z.strictObject(woEditable);
export type UpdateWorkOrderInput = z.output<typeof UpdateWorkOrderBody>;

export const ReleaseBody = z
  .strictObject({
    allow_partial: z.boolean().optional().describe('Reserve what is available instead of refusing with 409 when short'),
  })
  .nullish();
const LineRef = z.string().min(1).max(100).describe('A line id (wkl_...) or its component_sku');
export const IssueBody = z
  .strictObject({
    line_items: z
      .array(z.strictObject({ id: LineRef, quantity: Quantity }))
      .max(500)
      .optional()
      .describe('What to issue; absent: everything still to issue for the whole work order'),
  })
  .nullish();
export const CompleteBody = z
  .strictObject({
    quantity: Quantity.optional().describe('Units finished now (default: all that remain)'),
    labor_hours: Hours.optional().describe('Labor hours spent, added to actual_labor_hours'),
  })
  .nullish();
export const AssignBody = z.strictObject({ assignee: z.string().trim().min(1).max(200).nullable() });
export const ReasonBody = z.strictObject({ reason: z.string().max(500).optional() }).nullish();

// ---------------------------------------------------------------- manufacture orders

export const ManufactureOrderLineSchema = z
  .object({
    id: z.string(),
    object: z.literal('manufacture_order_line_item'),
    manufacture_order_id: z.string(),
    position: z.number().int(),
    sku: z.string(),
    quantity: z.number().int(),
    output_type: z.enum(['product', 'component']),
    level: z.number().int().describe('0 for the product, 1 for its sub-assemblies, ...'),
    bom_id: z.string().nullable(),
    work_order_id: z.string().nullable(),
    due_date: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'ManufactureOrderLineItem' });

export const ManufactureOrderSchema = z
  .object({
    id: z.string(),
    object: z.literal('manufacture_order'),
    manufacture_order_number: z.string(),
    sku: z.string(),
    bom_id: z.string(),
    quantity: z.number().int(),
    priority: z.enum(PRIORITIES),
    location_id: z.string(),
    yield_location_id: z.string(),
    due_date: z.string().nullable(),
    status: z.enum(MANUFACTURE_ORDER_STATUSES),
    memo: z.string().nullable(),
    line_items: z.array(ManufactureOrderLineSchema),
    metadata: z.record(z.string(), z.unknown()),
    planned_at: z.string().nullable(),
    started_at: z.string().nullable(),
    completed_at: z.string().nullable(),
    cancelled_at: z.string().nullable(),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'ManufactureOrder' });
export type ManufactureOrder = z.output<typeof ManufactureOrderSchema>;

const moEditable = {
  priority: z.enum(PRIORITIES).optional(),
  due_date: IsoDateTimeSchema.nullish(),
  memo: z.string().max(2000).nullish(),
  metadata: MetadataSchema.optional(),
};
export const CreateManufactureOrderBody = z.strictObject({
  sku: Sku,
  quantity: Quantity,
  bom_id: z.string().min(1).max(100).optional().describe("The BOM (id or bom_number); default: the SKU's active BOM"),
  location_id: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe('The site: where components are taken (default location)'),
  yield_location_id: z.string().min(1).max(100).optional().describe('Where the product lands (default: location_id)'),
  ...moEditable,
});
export type CreateManufactureOrderInput = z.output<typeof CreateManufactureOrderBody>;
export const UpdateManufactureOrderBody = z.strictObject(moEditable);
export type UpdateManufactureOrderInput = z.output<typeof UpdateManufactureOrderBody>;
