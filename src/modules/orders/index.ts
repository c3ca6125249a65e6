/**
 * The orders module's public surface: the only file other modules import. Returns, exchanges and
 * wholesale build on these: reading and locking an order, running a command on it, placing a new
 * order inside the caller's transaction, and recording refunds against it.
 */
export {
  createOrder,
  getOrder,
  getShipment,
  placeOrder,
  refundOrder,
  shipOrder,
  type PlaceOrderExtras,
} from './service.js';
export { resolveLine, resolveLineQuantities, type LineRef } from './lines.js';
export { orderCommand, type OrderChange, type OrderChangeFn } from './command.js';
export {
  countUnitsAsRefunded,
  exchangeIntoNewOrder,
  recordOrderRefund,
  refundUnitsByLine,
  returnUnits,
  unreturnUnits,
  type OrderUnits,
  type RefundLine,
} from './after-sales.js';
export { insertRefund, toRefund, type NewRefund } from './refunds.js';
export { cloneDraft, isOrderNumber, type OrderDraft } from './draft.js';
export { loadOrder, lockOrder, saveOrder } from './repository.js';
export { toOrder } from './document.js';
export { orderRoutes, refundRoutes, shipmentRoutes, type RefundReturnHandler } from './routes.js';
export { lineReference } from './stock.js';
export { ORDER_STATUSES } from './transitions.js';
export {
  LineItemInput as LineItemInputSchema,
  lineReferenceItem,
  OrderSchema,
  RefundSchema,
  type CreateOrderInput,
  type LineItemInput,
  type Order,
  type Refund,
  type RefundInput,
  type Shipment,
} from './schemas.js';
export type { OrderLineItemsTable, OrdersTable, OrderStatus, RefundsTable } from './tables.js';
