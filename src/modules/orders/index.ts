/**
 * The orders module's public surface: the only file other modules import. Returns, exchanges and
 * wholesale build on these: reading and locking an order, running a command on it, placing a new
 * order inside the caller's transaction, and recording refunds against it.
 */
export {
  createOrder,
  getOrder,
  orderCommand,
  placeOrder,
  resolveLine,
  resolveLineQuantities,
  type LineRef,
  type PlaceOrderExtras,
} from './service.js';
export { exchangeOrder, getShipment, refundOrder, returnOrder, shipOrder } from './fulfillment.js';
export { insertRefund, toRefund, type NewRefund } from './refunds.js';
export { cloneDraft, isOrderNumber, loadOrder, lockOrder, saveOrder, toOrder, type OrderDraft } from './store.js';
export { orderRoutes, refundRoutes, shipmentRoutes } from './routes.js';
export { lineReference } from './stock.js';
export { ORDER_STATUSES } from './transitions.js';
export type { CreateOrderInput, LineItemInput, Order, Refund, Shipment } from './schemas.js';
export type { OrderLineItemsTable, OrdersTable, OrderStatus, RefundsTable } from './tables.js';
