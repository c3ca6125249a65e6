/**
 * The request examples /docs prefills, in one place rather than in every schema file: a short
 * day of operations on a fresh database (a warehouse, stock, Ada the customer, her order
 * ORD-000001, ...). applyDocs() adds them, named responses and readable integer samples to the
 * OpenAPI document; test/docs.test.ts runs every example against the app.
 */

/**
 * Ids the server generates cannot be known in advance: examples show one of the right shape, to
 * be replaced with the id an earlier answer gave. Most examples need none: the customer is
 * created with its own id, orders are named by number, promotions and locations by code, and an
 * order's lines by SKU.
 */
export const GENERATED_ID_EXAMPLES = {
  inventory_item: 'inv_01jfz8q3p5r7t9vbxdf1h3k5m7',
  reservation: 'rsv_01jfz8q4a2c4e6g8jkmnpqrstv',
  transfer: 'trf_01jfz8q5b3d5f7h9kmpqrtvwxy',
  discount: 'dsc_01jfz8q7d5f7h9kmpqrtvwxyz3',
  shipment: 'shp_01jfz8q8e6g8jkmnpqrstvwxy4',
  refund: 're_01jfz8q9f7h9kmpqrtvwxyz0a5',
  return: 'ret_01jfz8qag8jkmnpqrstvwxy0b6',
  api_key: 'key_01jfz8qbh9kmpqrtvwxyz0a1c7',
  event: 'evt_01jfz8qcjkmnpqrstvwxy0b1d8',
  bom_line_item: 'bli_01jfz8qdk0mnpqrstvwxy0b1e9',
  work_order_line_item: 'wkl_01jfz8qem1npqrstvwxy0b1f0a',
  manufacture_order_line_item: 'mfl_01jfz8qfn2pqrstvwxy0b1g1b',
  purchase_order_line: 'pol_01jfz8qdkmnpqrstvwxy0b1d9',
  packing_list_item: 'pli_01jfz8qemnpqrstvwxy0b1d2e',
  return_line_item: 'rli_01jfz8qdkmnpqrstvwxy0b1d9',
  warranty_line_item: 'wli_01jfz8qemnpqrstvwxy0b1d2e',
  wholesale_line: 'wsl_01jfz8qdkmnpqrstvwxy0b1d9e',
  lead: 'lead_01jfz8qemnpqrstvwxy0b1d9fa',
  webhook_endpoint: 'we_01jfz8qdkmnpqrstvwxy0b1d9a',
  webhook_delivery: 'whd_01jfz8qemnpqrstvwxy0b1d9b',
  supplier_sku: 'ssk_01jfz8qfn2pqrstvwxy0b1g1c',
  plan_run: 'pln_01jfz8qgp3qrstvwxy0b1h2d',
} as const;

export const CUSTOMER_ID = 'cus_ada_lovelace';
export const LOCATION_CODE = 'WH-EAST';
export const ORDER_NUMBER = 'ORD-000001';
export const OTHER_ORDER_NUMBER = 'ORD-000002';
/** Manufacturing: a widget frame (steel bars and bolts) built into a widget kit. */
export const BOM_NUMBER = 'BOM-000001';
export const WORK_ORDER_NUMBER = 'WO-000001';
export const MANUFACTURE_ORDER_NUMBER = 'MO-000001';
export const SUPPLIER_CODE = 'ACME';
export const PO_NUMBER = 'PO-000001';
export const PACKING_LIST_NUMBER = 'PKL-000001';
export const CYCLE_COUNT_NUMBER = 'CC-000001';
export const WHOLESALE_ORDER_NUMBER = 'WSO-000001';
export const CASE_NUMBER = 'CASE-000001';

const ADDRESS = { line1: '12 St James Square', city: 'London', postal_code: 'SW1Y 4JH', country: 'GB' };
const WAREHOUSE_ADDRESS = {
  line1: '400 Commerce Way',
  city: 'Newark',
  state: 'NJ',
  postal_code: '07102',
  country: 'US',
};

export interface RequestExample {
  /** Path parameters by name. */
  params?: Record<string, string>;
  /** Query parameters by name. */
  query?: Record<string, string>;
  /** The JSON body. */
  body?: unknown;
}

const id = (value: string): RequestExample => ({ params: { id: value } });
const G = GENERATED_ID_EXAMPLES;

/** By "METHOD /path/{param}" as in the OpenAPI document; PUT and POST aliases of a PATCH use the PATCH example. */
export const REQUEST_EXAMPLES: Record<string, RequestExample> = {
  'POST /v1/api_keys': {
    body: { name: 'warehouse scanner', scopes: ['orders:read', 'inventory:write'], expires_at: '2027-12-31T23:59:59Z' },
  },
  'GET /v1/api_keys/{id}': id(G.api_key),
  'POST /v1/api_keys/{id}/revoke': id(G.api_key),
  'DELETE /v1/api_keys/{id}': id(G.api_key),
  'GET /v1/events/{id}': id(G.event),

  'POST /v1/customers': {
    body: {
      id: CUSTOMER_ID,
      email: 'ada@example.com',
      first_name: 'Ada',
      last_name: 'Lovelace',
      phone: '+442071234567',
      default_shipping_address: ADDRESS,
      tags: ['vip'],
      metadata: { crm_id: 'A-1001' },
    },
  },
  'GET /v1/customers/{id}': id(CUSTOMER_ID),
  'PATCH /v1/customers/{id}': {
    params: { id: CUSTOMER_ID },
    body: { company: 'Analytical Engines Ltd', tags: ['vip', 'wholesale'], notes: 'Prefers email.' },
  },
  'DELETE /v1/customers/{id}': { params: { id: CUSTOMER_ID }, query: { force: 'true' } },
  'GET /v1/customers/{id}/events': id(CUSTOMER_ID),

  'POST /v1/locations': {
    body: { code: LOCATION_CODE, name: 'East Coast warehouse', type: 'warehouse', address: WAREHOUSE_ADDRESS },
  },
  'GET /v1/locations/{id}': id(LOCATION_CODE),
  'PATCH /v1/locations/{id}': { params: { id: LOCATION_CODE }, body: { name: 'East Coast fulfilment centre' } },
  'DELETE /v1/locations/{id}': id(LOCATION_CODE),
  'GET /v1/locations/{id}/events': id(LOCATION_CODE),

  'POST /v1/inventory_items': {
    body: { sku: 'MUG-BLUE', description: 'Blue enamel mug, 350 ml', on_hand: 25, reorder_point: 5, unit_cost: 480 },
  },
  'GET /v1/inventory_items/{id}': id(G.inventory_item),
  'PATCH /v1/inventory_items/{id}': { params: { id: G.inventory_item }, body: { reorder_point: 10, safety_stock: 4 } },
  'DELETE /v1/inventory_items/{id}': id(G.inventory_item),
  'POST /v1/inventory_items/{id}/adjust': {
    params: { id: G.inventory_item },
    body: { quantity_change: 12, reason: 'cycle count', reference_number: 'CC-2041' },
  },
  'POST /v1/inventory_items/{id}/transfer': {
    params: { id: G.inventory_item },
    body: { to_location_id: LOCATION_CODE, quantity: 5, reason: 'rebalance east' },
  },
  'POST /v1/inventory_items/{id}/reserve': {
    params: { id: G.inventory_item },
    body: { quantity: 2, reference: { type: 'quote', id: 'Q-1042' } },
  },
  'POST /v1/inventory_items/{id}/release': {
    params: { id: G.inventory_item },
    body: { reservation_id: G.reservation },
  },
  'GET /v1/inventory_items/{id}/movements': id(G.inventory_item),
  'GET /v1/inventory_items/{id}/reservations': id(G.inventory_item),
  'GET /v1/inventory_items/{id}/events': id(G.inventory_item),
  'GET /v1/inventory': { query: { sku: 'MUG-BLUE' } },
  'GET /v1/transfers/{id}': id(G.transfer),
  'POST /v1/transfers/{id}/receive': { params: { id: G.transfer }, body: {} },
  'GET /v1/transfers/{id}/events': id(G.transfer),

  'POST /v1/orders': {
    body: {
      customer_id: CUSTOMER_ID,
      line_items: [
        { sku: 'MUG-BLUE', name: 'Blue enamel mug', quantity: 2, price: 1250 },
        { sku: 'TEE-BLACK-M', name: 'Black tee, M', quantity: 1, price: 2400 },
      ],
      shipping_address: ADDRESS,
      shipping: { method: 'standard', carrier: 'Royal Mail', amount: 495 },
      tax_rate: 8.75,
      payment: { method: 'card', status: 'paid' },
      tags: ['gift'],
      source: 'web',
    },
  },
  'GET /v1/orders/{id}': id(ORDER_NUMBER),
  'PATCH /v1/orders/{id}': { params: { id: ORDER_NUMBER }, body: { notes: 'Leave with the neighbour at number 14.' } },
  'POST /v1/orders/{id}/line_items': {
    params: { id: ORDER_NUMBER },
    body: { sku: 'TEE-BLACK-L', name: 'Black tee, L', quantity: 1, price: 2400 },
  },
  'POST /v1/orders/{id}/remove_item': { params: { id: ORDER_NUMBER }, body: { sku: 'TEE-BLACK-L' } },
  'POST /v1/orders/{id}/discounts': {
    params: { id: ORDER_NUMBER },
    body: { type: 'percentage', value: 10, code: 'SORRY10', reason: 'late delivery' },
  },
  'POST /v1/orders/{id}/promotions': { params: { id: ORDER_NUMBER }, body: { code: 'WELCOME10' } },
  'POST /v1/orders/{id}/pay': {
    params: { id: ORDER_NUMBER },
    body: { method: 'card', payment_intent_id: 'pi_3PmT5x2eZvKYlo2C1b2c3d4e' },
  },
  'POST /v1/orders/{id}/cancel': {
    params: { id: ORDER_NUMBER },
    body: { reason: 'customer_request', notes: 'Ordered the wrong size.' },
  },
  'POST /v1/orders/{id}/hold': { params: { id: ORDER_NUMBER }, body: { reason: 'Address needs confirming' } },
  'POST /v1/orders/{id}/release': id(ORDER_NUMBER),
  'POST /v1/orders/{id}/ship': {
    params: { id: ORDER_NUMBER },
    body: { carrier: 'UPS', tracking_number: '1Z999AA10123456784', method: 'ground' },
  },
  'POST /v1/orders/{id}/deliver': id(ORDER_NUMBER),
  'POST /v1/orders/{id}/return': {
    params: { id: ORDER_NUMBER },
    body: {
      line_items: [{ sku: 'MUG-BLUE', quantity: 1, reason: 'Chipped rim', condition: 'damaged' }],
      reason_code: 'damaged_in_transit',
      type: 'refund',
    },
  },
  'POST /v1/orders/{id}/refund': { params: { id: ORDER_NUMBER }, body: { amount: 500, reason: 'goodwill' } },
  'POST /v1/orders/{id}/exchange': {
    params: { id: ORDER_NUMBER },
    body: {
      return_items: [{ sku: 'TEE-BLACK-M', quantity: 1, reason: 'Too small', condition: 'new', resellable: true }],
      new_items: [{ sku: 'TEE-BLACK-L', name: 'Black tee, L', quantity: 1, price: 2400 }],
      reason_code: 'not_satisfied',
    },
  },
  'POST /v1/orders/{id}/split': {
    params: { id: ORDER_NUMBER },
    body: { line_items: [{ sku: 'TEE-BLACK-M', quantity: 1 }] },
  },
  'POST /v1/orders/{id}/merge': { params: { id: ORDER_NUMBER }, body: { order_ids: [OTHER_ORDER_NUMBER] } },
  'POST /v1/orders/{id}/tags': { params: { id: ORDER_NUMBER }, body: { tags: ['priority'] } },
  'DELETE /v1/orders/{id}/line_items/{item_id}': { params: { id: ORDER_NUMBER, item_id: 'TEE-BLACK-L' } },
  'DELETE /v1/orders/{id}/discounts/{discount_id}': { params: { id: ORDER_NUMBER, discount_id: G.discount } },
  'DELETE /v1/orders/{id}/promotions/{promotion_id}': { params: { id: ORDER_NUMBER, promotion_id: 'WELCOME10' } },
  'DELETE /v1/orders/{id}/tags/{tag}': { params: { id: ORDER_NUMBER, tag: 'gift' } },
  'GET /v1/orders/{id}/events': id(ORDER_NUMBER),

  'POST /v1/promotions': {
    body: {
      code: 'WELCOME10',
      description: '10% off a first order',
      type: 'percentage',
      value: 10,
      min_subtotal: 2000,
      currency: 'USD',
      usage_limit: 500,
    },
  },
  'GET /v1/promotions/{id}': id('WELCOME10'),
  'PATCH /v1/promotions/{id}': {
    params: { id: 'WELCOME10' },
    body: { ends_at: '2027-01-31T23:59:59Z', usage_limit: 1000 },
  },
  'DELETE /v1/promotions/{id}': id('WELCOME10'),
  'GET /v1/promotions/{id}/events': id('WELCOME10'),

  'GET /v1/shipments/{id}': id(G.shipment),
  'PATCH /v1/shipments/{id}': {
    params: { id: G.shipment },
    body: {
      tracking_url: 'https://www.ups.com/track?tracknum=1Z999AA10123456784',
      estimated_delivery: '2027-01-08T17:00:00Z',
    },
  },
  'POST /v1/shipments/{id}/cancel': id(G.shipment),
  'GET /v1/shipments/{id}/events': id(G.shipment),
  'GET /v1/refunds/{id}': id(G.refund),
  'GET /v1/returns/{id}': id(G.return),
  'GET /v1/returns/{id}/events': id(G.return),

  'POST /v1/bill_of_materials': {
    body: {
      name: 'Widget frame',
      sku: 'WIDGET-FRAME',
      lead_time_days: 2,
      labor_hours: 0.5,
      line_items: [
        { component_sku: 'STEEL-BAR', quantity: 2, scrap_percent: 5 },
        { component_sku: 'BOLT-M4', quantity: 2 },
      ],
    },
  },
  'GET /v1/bill_of_materials/{id}': id(BOM_NUMBER),
  'PATCH /v1/bill_of_materials/{id}': {
    params: { id: BOM_NUMBER },
    body: { description: 'Welded frame, powder coated', revision: 'B' },
  },
  'DELETE /v1/bill_of_materials/{id}': id(BOM_NUMBER),
  'POST /v1/bill_of_materials/{id}/activate': id(BOM_NUMBER),
  'POST /v1/bill_of_materials/{id}/obsolete': id(BOM_NUMBER),
  'GET /v1/bill_of_materials/{id}/explode': { params: { id: BOM_NUMBER }, query: { quantity: '10' } },
  'GET /v1/bill_of_materials/{id}/cost': id(BOM_NUMBER),
  'POST /v1/bill_of_materials/{id}/build_to_stock': { params: { id: BOM_NUMBER }, body: { quantity: 2 } },
  'GET /v1/bill_of_materials/{id}/events': id(BOM_NUMBER),
  'POST /v1/bill_of_materials_line_items': {
    body: { bill_of_materials_id: BOM_NUMBER, component_sku: 'WASHER-M4', quantity: 2, notes: 'Under each bolt' },
  },
  'GET /v1/bill_of_materials_line_items/{id}': id(G.bom_line_item),
  'PATCH /v1/bill_of_materials_line_items/{id}': { params: { id: G.bom_line_item }, body: { quantity: 4 } },
  'DELETE /v1/bill_of_materials_line_items/{id}': id(G.bom_line_item),

  'POST /v1/work_orders': {
    body: {
      sku: 'WIDGET-FRAME',
      quantity: 5,
      priority: 'high',
      due_date: '2027-01-12',
      memo: 'Frames for the trade show',
    },
  },
  'GET /v1/work_orders/{id}': id(WORK_ORDER_NUMBER),
  'PATCH /v1/work_orders/{id}': { params: { id: WORK_ORDER_NUMBER }, body: { standard_labor_hours: 3 } },
  'DELETE /v1/work_orders/{id}': id(WORK_ORDER_NUMBER),
  'POST /v1/work_orders/{id}/release': { params: { id: WORK_ORDER_NUMBER }, body: { allow_partial: false } },
  'POST /v1/work_orders/{id}/start': id(WORK_ORDER_NUMBER),
  'POST /v1/work_orders/{id}/issue': {
    params: { id: WORK_ORDER_NUMBER },
    body: { line_items: [{ id: 'STEEL-BAR', quantity: 6 }] },
  },
  'POST /v1/work_orders/{id}/complete': { params: { id: WORK_ORDER_NUMBER }, body: { quantity: 2, labor_hours: 1.5 } },
  'POST /v1/work_orders/{id}/hold': { params: { id: WORK_ORDER_NUMBER }, body: { reason: 'Welder serviced' } },
  'POST /v1/work_orders/{id}/resume': { params: { id: WORK_ORDER_NUMBER }, body: {} },
  'POST /v1/work_orders/{id}/cancel': { params: { id: WORK_ORDER_NUMBER }, body: { reason: 'Order withdrawn' } },
  'POST /v1/work_orders/{id}/assign': { params: { id: WORK_ORDER_NUMBER }, body: { assignee: 'Grace' } },
  'GET /v1/work_orders/{id}/events': id(WORK_ORDER_NUMBER),
  'GET /v1/work_order_line_items/{id}': id(G.work_order_line_item),

  'POST /v1/manufacture_orders': {
    body: { sku: 'WIDGET-KIT', quantity: 2, due_date: '2027-01-15', priority: 'normal' },
  },
  'GET /v1/manufacture_orders/{id}': id(MANUFACTURE_ORDER_NUMBER),
  'PATCH /v1/manufacture_orders/{id}': {
    params: { id: MANUFACTURE_ORDER_NUMBER },
    body: { memo: 'For the Berlin show' },
  },
  'DELETE /v1/manufacture_orders/{id}': id(MANUFACTURE_ORDER_NUMBER),
  'POST /v1/manufacture_orders/{id}/plan': id(MANUFACTURE_ORDER_NUMBER),
  'POST /v1/manufacture_orders/{id}/start': id(MANUFACTURE_ORDER_NUMBER),
  'POST /v1/manufacture_orders/{id}/complete': id(MANUFACTURE_ORDER_NUMBER),
  'POST /v1/manufacture_orders/{id}/cancel': { params: { id: MANUFACTURE_ORDER_NUMBER }, body: {} },
  'GET /v1/manufacture_orders/{id}/events': id(MANUFACTURE_ORDER_NUMBER),
  'GET /v1/manufacture_order_line_items/{id}': id(G.manufacture_order_line_item),
  'POST /v1/suppliers': {
    body: {
      name: 'Acme Ceramics',
      code: SUPPLIER_CODE,
      email: 'orders@acme-ceramics.example',
      phone: '+14155550123',
      payment_terms: 'NET30',
      lead_time_days: 21,
    },
  },
  'GET /v1/suppliers/{id}': id(SUPPLIER_CODE),
  'PATCH /v1/suppliers/{id}': { params: { id: SUPPLIER_CODE }, body: { payment_terms: 'NET45', lead_time_days: 14 } },
  'DELETE /v1/suppliers/{id}': id(SUPPLIER_CODE),
  'GET /v1/suppliers/{id}/events': id(SUPPLIER_CODE),

  'POST /v1/supplier_skus': {
    body: {
      supplier_id: SUPPLIER_CODE,
      sku: 'BOLT-M4',
      supplier_sku: 'ACME-B4-100',
      unit_cost: 10,
      min_order_quantity: 100,
      order_multiple: 50,
      lead_time_days: 5,
      preferred: true,
    },
  },
  'GET /v1/supplier_skus/{id}': id(G.supplier_sku),
  'PATCH /v1/supplier_skus/{id}': { params: { id: G.supplier_sku }, body: { unit_cost: 9, lead_time_days: 4 } },
  'DELETE /v1/supplier_skus/{id}': id(G.supplier_sku),

  'GET /v1/planning/replenishment': { query: { horizon_days: '30' } },
  'GET /v1/planning/replenishment/{plan_id}': { params: { plan_id: G.plan_run } },
  'POST /v1/planning/replenishment/{plan_id}/apply': { params: { plan_id: G.plan_run }, body: {} },
  'GET /v1/plan_runs/{id}/events': id(G.plan_run),

  'POST /v1/purchase_orders': {
    body: {
      supplier_id: SUPPLIER_CODE,
      location_id: LOCATION_CODE,
      expected_date: '2027-01-15',
      shipping: 4500,
      line_items: [
        { sku: 'MUG-BLUE', description: 'Blue enamel mug, 350 ml', quantity_ordered: 48, unit_cost: 450 },
        { sku: 'TEE-BLACK-M', description: 'Black tee, M', quantity_ordered: 24, unit_cost: 900 },
      ],
    },
  },
  'GET /v1/purchase_orders/{id}': id(PO_NUMBER),
  'PATCH /v1/purchase_orders/{id}': {
    params: { id: PO_NUMBER },
    body: { notes: 'Deliver to dock 4, weekdays before noon.' },
  },
  'DELETE /v1/purchase_orders/{id}': id(PO_NUMBER),
  'POST /v1/purchase_orders/{id}/submit': id(PO_NUMBER),
  'POST /v1/purchase_orders/{id}/approve': id(PO_NUMBER),
  'POST /v1/purchase_orders/{id}/receive': {
    params: { id: PO_NUMBER },
    body: { line_items: [{ id: 'MUG-BLUE', quantity: 24 }] },
  },
  'POST /v1/purchase_orders/{id}/finance': { params: { id: PO_NUMBER }, body: { financer: 'Kickfurther' } },
  'POST /v1/purchase_orders/{id}/complete': id(PO_NUMBER),
  'POST /v1/purchase_orders/{id}/cancel': id(PO_NUMBER),
  'GET /v1/purchase_orders/{id}/events': id(PO_NUMBER),
  'POST /v1/purchase_order_line_items': {
    body: { purchase_order_id: PO_NUMBER, sku: 'TEE-BLACK-L', quantity_ordered: 12, unit_cost: 900 },
  },
  'GET /v1/purchase_order_line_items/{id}': id(G.purchase_order_line),
  'PATCH /v1/purchase_order_line_items/{id}': { params: { id: G.purchase_order_line }, body: { quantity_ordered: 18 } },
  'DELETE /v1/purchase_order_line_items/{id}': id(G.purchase_order_line),

  'POST /v1/packing_lists': {
    body: {
      direction: 'inbound',
      purchase_order_id: PO_NUMBER,
      carrier: 'Maersk',
      tracking_number: 'MAEU1234567',
      invoice_number: 'ACME-INV-7781',
    },
  },
  'GET /v1/packing_lists/{id}': id(PACKING_LIST_NUMBER),
  'PATCH /v1/packing_lists/{id}': { params: { id: PACKING_LIST_NUMBER }, body: { delivery_date: '2027-01-14' } },
  'DELETE /v1/packing_lists/{id}': id(PACKING_LIST_NUMBER),
  'POST /v1/packing_lists/{id}/submit': id(PACKING_LIST_NUMBER),
  'POST /v1/packing_lists/{id}/ship': id(PACKING_LIST_NUMBER),
  'POST /v1/packing_lists/{id}/arrive': {
    params: { id: PACKING_LIST_NUMBER },
    body: { line_items: [{ id: 'TEE-BLACK-M', quantity: 12 }] },
  },
  'POST /v1/packing_lists/{id}/verify': id(PACKING_LIST_NUMBER),
  'POST /v1/packing_lists/{id}/cancel': id(PACKING_LIST_NUMBER),
  'GET /v1/packing_lists/{id}/events': id(PACKING_LIST_NUMBER),
  'POST /v1/packing_list_items': { body: { packing_list_id: PACKING_LIST_NUMBER, sku: 'MUG-BLUE', quantity: 1 } },
  'GET /v1/packing_list_items/{id}': id(G.packing_list_item),
  'PATCH /v1/packing_list_items/{id}': { params: { id: G.packing_list_item }, body: { quantity: 2 } },
  'DELETE /v1/packing_list_items/{id}': id(G.packing_list_item),

  'POST /v1/cycle_counts': {
    body: { location_id: LOCATION_CODE, skus: ['MUG-BLUE'], counter: 'Grace Hopper', scheduled_date: '2027-01-18' },
  },
  'GET /v1/cycle_counts/{id}': id(CYCLE_COUNT_NUMBER),
  'PATCH /v1/cycle_counts/{id}': { params: { id: CYCLE_COUNT_NUMBER }, body: { notes: 'Aisle 3, top shelf first.' } },
  'DELETE /v1/cycle_counts/{id}': id(CYCLE_COUNT_NUMBER),
  'GET /v1/cycle_counts/{id}/line_items': id(CYCLE_COUNT_NUMBER),
  'POST /v1/cycle_counts/{id}/start': id(CYCLE_COUNT_NUMBER),
  'POST /v1/cycle_counts/{id}/count': {
    params: { id: CYCLE_COUNT_NUMBER },
    body: { line_items: [{ id: 'MUG-BLUE', counted_quantity: 46 }] },
  },
  'POST /v1/cycle_counts/{id}/complete': id(CYCLE_COUNT_NUMBER),
  'POST /v1/cycle_counts/{id}/reconcile': id(CYCLE_COUNT_NUMBER),
  'POST /v1/cycle_counts/{id}/cancel': id(CYCLE_COUNT_NUMBER),
  'GET /v1/cycle_counts/{id}/events': id(CYCLE_COUNT_NUMBER),
  // The returns desk: RMA-000001 is the order's return above (rejected, closed, reopened,
  // cancelled), RMA-000002 its exchange, RMA-000003 the return made here (received, inspected,
  // restocked, refunded with a restocking fee).
  'POST /v1/returns': {
    body: {
      order_id: ORDER_NUMBER,
      line_items: [{ sku: 'MUG-BLUE', quantity: 1, reason: 'Changed her mind', condition: 'new' }],
      reason_code: 'not_satisfied',
      type: 'refund',
    },
  },
  'PATCH /v1/returns/{id}': {
    params: { id: 'RMA-000003' },
    body: { carrier: 'Royal Mail', tracking_number: 'RN123456785GB', customer_notes: 'Sent back in the original box.' },
  },
  'DELETE /v1/returns/{id}': id(G.return),
  'POST /v1/returns/{id}/approve': id('RMA-000003'),
  'POST /v1/returns/{id}/reject': {
    params: { id: 'RMA-000001' },
    body: { reason: 'The photos show the chip was caused after delivery.' },
  },
  'POST /v1/returns/{id}/cancel': { params: { id: 'RMA-000001' }, body: { reason: 'Customer kept the mug' } },
  'POST /v1/returns/{id}/receive': {
    params: { id: 'RMA-000003' },
    body: { carrier: 'Royal Mail', tracking_number: 'RN123456785GB' },
  },
  'POST /v1/returns/{id}/inspect': {
    params: { id: 'RMA-000003' },
    body: { condition: 'like_new', notes: 'Unused, box intact.', defects: [], recommended_action: 'restock' },
  },
  'POST /v1/returns/{id}/restock': { params: { id: 'RMA-000003' }, body: {} },
  'POST /v1/returns/{id}/refund': {
    params: { id: 'RMA-000003' },
    body: { restocking_fee: 200, reason: 'Returned unused' },
  },
  'POST /v1/returns/{id}/exchange': {
    params: { id: G.return },
    body: { new_items: [{ sku: 'TEE-BLACK-L', name: 'Black tee, L', quantity: 1, price: 2400 }] },
  },
  'POST /v1/returns/{id}/close': id('RMA-000001'),
  'POST /v1/returns/{id}/reopen': id('RMA-000001'),
  'POST /v1/return_line_items': {
    body: {
      return_id: 'RMA-000003',
      sku: 'MUG-BLUE',
      quantity: 1,
      reason: 'Handle cracked',
      condition: 'damaged',
      resellable: false,
    },
  },
  'GET /v1/return_line_items/{id}': id(G.return_line_item),
  'PATCH /v1/return_line_items/{id}': {
    params: { id: G.return_line_item },
    body: { reason: 'Handle cracked in transit', condition: 'damaged' },
  },
  'DELETE /v1/return_line_items/{id}': id(G.return_line_item),

  // A warranty claim for one of Ada's delivered mugs (WTY-000001), then one that is rejected
  // (WTY-000002) and one sent to repair (WTY-000003).
  'POST /v1/warranties': {
    body: {
      order_id: ORDER_NUMBER,
      sku: 'MUG-BLUE',
      serial_number: 'MUG-2026-000123',
      issue_description: 'The enamel is flaking inside the rim.',
      reported_condition: 'flaking enamel',
      coverage_days: 365,
      line_items: [{ sku: 'MUG-BLUE', quantity: 1, serial_number: 'MUG-2026-000123', price: 1250 }],
    },
  },
  'GET /v1/warranties': { query: { status: 'submitted' } },
  'GET /v1/warranties/{id}': id('WTY-000001'),
  'PATCH /v1/warranties/{id}': {
    params: { id: 'WTY-000001' },
    body: { reported_condition: 'flaking enamel, photos attached', metadata: { photos: '3' } },
  },
  'DELETE /v1/warranties/{id}': id('WTY-000001'),
  'GET /v1/warranties/{id}/events': id('WTY-000001'),
  'POST /v1/warranties/{id}/inspect': {
    params: { id: 'WTY-000001' },
    body: { notes: 'Ask for the mug back to check the enamel batch.' },
  },
  'POST /v1/warranties/{id}/approve': id('WTY-000001'),
  'POST /v1/warranties/{id}/reject': {
    params: { id: 'WTY-000002' },
    body: { reason: 'Damage from a dishwasher cycle the care label rules out.' },
  },
  'POST /v1/warranties/{id}/repair': {
    params: { id: 'WTY-000003' },
    body: { type: 'cosmetic', location: 'Newark repair bench', estimated_cost: 800, ticket: 'RPR-1042' },
  },
  'POST /v1/warranties/{id}/replace': {
    params: { id: 'WTY-000001' },
    body: { items: [{ sku: 'MUG-BLUE', quantity: 1 }], shipping_address: ADDRESS },
  },
  'POST /v1/warranties/{id}/resolve': {
    params: { id: 'WTY-000001' },
    body: { resolution_notes: 'Replacement delivered.' },
  },
  'POST /v1/warranties/{id}/close': {
    params: { id: 'WTY-000001' },
    body: { resolution_notes: 'Customer confirmed the new mug is fine.' },
  },
  'POST /v1/warranties/{id}/reopen': id('WTY-000001'),
  'POST /v1/warranty_line_items': {
    body: { warranty_id: 'WTY-000002', sku: 'MUG-BLUE', quantity: 1, serial_number: 'MUG-2026-000124', price: 1250 },
  },
  'GET /v1/warranty_line_items/{id}': id(G.warranty_line_item),
  'PATCH /v1/warranty_line_items/{id}': {
    params: { id: G.warranty_line_item },
    body: { condition: 'chipped rim' },
  },
  'DELETE /v1/warranty_line_items/{id}': id(G.warranty_line_item),
  'POST /v1/wholesale_orders': {
    body: {
      customer_id: CUSTOMER_ID,
      po_number: 'PO-7781',
      payment_terms: 'net_30',
      line_items: [
        {
          sku: 'MUG-BLUE',
          name: 'Blue enamel mug',
          quantity: 6,
          unit_price: 900,
          price_breaks: [
            { min_quantity: 6, unit_price: 800 },
            { min_quantity: 24, unit_price: 700 },
          ],
        },
      ],
      memo: 'Deliver to the loading dock.',
    },
  },
  'GET /v1/wholesale_orders/{id}': id(WHOLESALE_ORDER_NUMBER),
  'PATCH /v1/wholesale_orders/{id}': {
    params: { id: WHOLESALE_ORDER_NUMBER },
    body: { requested_delivery_date: '2027-01-15', memo: 'Deliver to the loading dock before noon.' },
  },
  'DELETE /v1/wholesale_orders/{id}': id(WHOLESALE_ORDER_NUMBER),
  'POST /v1/wholesale_orders/{id}/submit': id(WHOLESALE_ORDER_NUMBER),
  'POST /v1/wholesale_orders/{id}/approve': id(WHOLESALE_ORDER_NUMBER),
  'POST /v1/wholesale_orders/{id}/ship': {
    params: { id: WHOLESALE_ORDER_NUMBER },
    body: { line_items: [{ sku: 'MUG-BLUE', quantity: 4 }], carrier: 'UPS', tracking_number: '1Z999AA10123456790' },
  },
  'POST /v1/wholesale_orders/{id}/invoice': {
    params: { id: WHOLESALE_ORDER_NUMBER },
    body: { issued_at: '2026-11-30T17:00:00Z' },
  },
  'POST /v1/wholesale_orders/{id}/pay': {
    params: { id: WHOLESALE_ORDER_NUMBER },
    body: { method: 'bank_transfer', reference: 'ACH-20261201-7781' },
  },
  'POST /v1/wholesale_orders/{id}/cancel': {
    params: { id: WHOLESALE_ORDER_NUMBER },
    body: { reason: 'The buyer cancelled the purchase order.' },
  },
  'GET /v1/wholesale_orders/{id}/events': id(WHOLESALE_ORDER_NUMBER),
  'GET /v1/wholesale_orders': { query: { financial_status: 'overdue' } },
  'POST /v1/wholesale_order_line_items': {
    body: {
      wholesale_order_id: WHOLESALE_ORDER_NUMBER,
      sku: 'TEE-BLACK-M',
      name: 'Black tee, M',
      quantity: 2,
      unit_price: 1500,
    },
  },
  'GET /v1/wholesale_order_line_items/{id}': id(G.wholesale_line),
  'PATCH /v1/wholesale_order_line_items/{id}': { params: { id: G.wholesale_line }, body: { quantity: 3 } },
  'DELETE /v1/wholesale_order_line_items/{id}': id(G.wholesale_line),

  'POST /v1/leads': {
    body: {
      email: 'lin@harbor-coffee.example',
      firstName: 'Lin',
      lastName: 'Park',
      companyName: 'Harbor Coffee',
      jobTitle: 'Head buyer',
      leadSource: 'trade_show',
      phone: '+14155550142',
      owner: 'sam',
    },
  },
  'GET /v1/leads': { query: { source: 'trade_show', status: 'new' } },
  'GET /v1/leads/{id}': id(G.lead),
  'PATCH /v1/leads/{id}': {
    params: { id: G.lead },
    body: { description: 'Met at the coffee expo; wants 200 mugs a month.' },
  },
  'DELETE /v1/leads/{id}': id(G.lead),
  'POST /v1/leads/{id}/accept': id(G.lead),
  'POST /v1/leads/{id}/reject': { params: { id: G.lead }, body: { reason: 'Duplicate of an existing account' } },
  'POST /v1/leads/{id}/convert': id(G.lead),
  'GET /v1/leads/{id}/events': id(G.lead),

  'POST /v1/cases': {
    body: {
      caseName: 'Mug arrived chipped',
      description: 'One of the two mugs has a chipped rim.',
      customer_id: CUSTOMER_ID,
      order_id: ORDER_NUMBER,
      return_id: G.return,
      submitter: 'ada@example.com',
      priority: 'medium',
    },
  },
  'GET /v1/cases': { query: { customer_id: CUSTOMER_ID } },
  'GET /v1/cases/{id}': id(CASE_NUMBER),
  'PATCH /v1/cases/{id}': {
    params: { id: CASE_NUMBER },
    body: { description: 'Chipped rim; photo attached to the return.' },
  },
  'DELETE /v1/cases/{id}': id(CASE_NUMBER),
  'POST /v1/cases/{id}/assign': { params: { id: CASE_NUMBER }, body: { assignee: 'sam' } },
  'POST /v1/cases/{id}/escalate': { params: { id: CASE_NUMBER }, body: { priority: 'high' } },
  'POST /v1/cases/{id}/notes': {
    params: { id: CASE_NUMBER },
    body: { body: 'Replacement approved; shipping today.', author: 'sam' },
  },
  'GET /v1/cases/{id}/notes': id(CASE_NUMBER),
  'POST /v1/cases/{id}/resolve': {
    params: { id: CASE_NUMBER },
    body: { resolution: 'Replacement mug shipped.', resolver: 'sam' },
  },
  'POST /v1/cases/{id}/close': id(CASE_NUMBER),
  'POST /v1/cases/{id}/reopen': id(CASE_NUMBER),
  'GET /v1/cases/{id}/events': id(CASE_NUMBER),
  'POST /v1/webhook_endpoints': {
    body: {
      url: 'https://erp.example.com/opsline/webhooks',
      description: 'ERP order feed',
      enabled_events: ['order.*', 'return.approved'],
    },
  },
  'GET /v1/webhook_endpoints/{id}': id(G.webhook_endpoint),
  'PATCH /v1/webhook_endpoints/{id}': {
    params: { id: G.webhook_endpoint },
    body: { enabled_events: ['order.*', 'shipment.*'], description: 'ERP orders and shipments' },
  },
  'POST /v1/webhook_endpoints/{id}/rotate_secret': id(G.webhook_endpoint),
  'DELETE /v1/webhook_endpoints/{id}': id(G.webhook_endpoint),
  'GET /v1/webhook_deliveries/{id}': id(G.webhook_delivery),
  'POST /v1/webhook_deliveries/{id}/retry': id(G.webhook_delivery),
  'POST /v1/events/{id}/resend': { params: { id: G.event }, body: { endpoint_id: G.webhook_endpoint } },
};

/** The example for an operation: its own, or, for a PUT or POST alias of a PATCH, the PATCH's. */
export function requestExample(method: string, path: string): RequestExample | undefined {
  return (
    REQUEST_EXAMPLES[`${method.toUpperCase()} ${path}`] ??
    (method === 'put' || method === 'post' ? REQUEST_EXAMPLES[`PATCH ${path}`] : undefined)
  );
}

const RESPONSE_NAMES: Record<string, string> = {
  200: 'OK',
  201: 'Created',
  400: 'Bad request: invalid input (validation_error and others; details name each field)',
  401: 'Unauthorized: no valid API key',
  403: 'Forbidden: the key lacks the scope',
  404: 'Not found',
  409: 'Conflict with the current state (error.code says which)',
  412: 'Precondition failed: If-Match names an older version',
  413: 'Payload too large',
  429: 'Too many requests: rate limited',
  500: 'Internal error, logged with its request id',
};

type Json = Record<string, any>;

/**
 * zod writes every integer's safe-integer bounds into the schema, and Swagger UI's example
 * answers then show quantity: -9007199254740991. Those bounds say nothing a reader needs.
 */
function dropSafeIntegerBounds(node: unknown): void {
  if (Array.isArray(node)) {
    for (const child of node) dropSafeIntegerBounds(child);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const schema = node as Json;
  if (schema.minimum === Number.MIN_SAFE_INTEGER) delete schema.minimum;
  if (schema.maximum === Number.MAX_SAFE_INTEGER) delete schema.maximum;
  for (const child of Object.values(schema)) dropSafeIntegerBounds(child);
}

/** Adds the examples, names every response and drops meaningless bounds; returns the document. */
export function applyDocs(document: Json): Json {
  dropSafeIntegerBounds(document.components);
  for (const [path, operations] of Object.entries<Json>(document.paths ?? {})) {
    for (const [method, operation] of Object.entries<Json>(operations)) {
      dropSafeIntegerBounds(operation);
      for (const [status, response] of Object.entries<Json>(operation.responses ?? {})) {
        if (!response.description || response.description === 'Default Response')
          response.description = RESPONSE_NAMES[status] ?? `HTTP ${status}`;
      }
      const example = requestExample(method, path);
      if (!example) continue;
      for (const parameter of operation.parameters ?? []) {
        const value =
          parameter.in === 'path'
            ? example.params?.[parameter.name]
            : parameter.in === 'query'
              ? example.query?.[parameter.name]
              : undefined;
        if (value !== undefined) parameter.example = value;
      }
      const content = operation.requestBody?.content?.['application/json'];
      if (content && example.body !== undefined) content.example = example.body;
    }
  }
  return document;
}
