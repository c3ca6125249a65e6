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
  webhook_endpoint: 'we_01jfz8qdkmnpqrstvwxy0b1d9a',
  webhook_delivery: 'whd_01jfz8qemnpqrstvwxy0b1d9b',
} as const;

export const CUSTOMER_ID = 'cus_ada_lovelace';
export const LOCATION_CODE = 'WH-EAST';
export const ORDER_NUMBER = 'ORD-000001';
export const OTHER_ORDER_NUMBER = 'ORD-000002';

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
