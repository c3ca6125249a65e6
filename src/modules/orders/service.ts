/**
 * The orders module's commands and queries, gathered for the routes (and the bench and tests). Each
 * family lives in its own file: commands/create.ts (placing an order), commands/edit.ts (lines,
 * discounts, promotions, tags, fields), commands/lifecycle.ts (pay, cancel, hold, release),
 * commands/fulfillment.ts (ship, deliver, cancel a shipment), commands/refund.ts,
 * commands/restructure.ts (split, merge); reads in queries.ts and shipments.ts. Other modules
 * import index.ts, never this file.
 */
export { createOrder, placeOrder, type PlaceOrderExtras } from './commands/create.js';
export {
  addDiscount,
  addLineItem,
  addOrderTags,
  applyPromotion,
  removeDiscount,
  removeLineItem,
  removeOrderTag,
  removePromotion,
  updateOrder,
} from './commands/edit.js';
export { cancelOrder, holdOrder, payOrder, releaseOrder } from './commands/lifecycle.js';
export { cancelShipment, deliverOrder, shipOrder } from './commands/fulfillment.js';
export { refundOrder } from './commands/refund.js';
export { mergeOrders, splitOrder } from './commands/restructure.js';
export { getOrder, getOrderJson, listOrders, orderListSpec } from './queries.js';
export { getShipment, listShipments, shipmentListSpec, updateShipment } from './shipments.js';
