/** The purchasing module's public surface: suppliers and purchase orders; packing lists receive through it. */
export {
  getPurchaseOrder,
  receiveAgainstPurchaseOrder,
  resolvePurchaseOrderId,
  type LineReceipt,
  type ReceiptOptions,
} from './service.js';
export { purchasingRoutes } from './routes.js';
export type { PurchaseOrder, PurchaseOrderLineItem, Supplier } from './schemas.js';
export type { PurchasingTables } from './tables.js';
