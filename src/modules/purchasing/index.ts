/** The purchasing module's public surface: suppliers and purchase orders; packing lists receive through it. */
export {
  getPurchaseOrder,
  insertPurchaseOrder,
  receiveAgainstPurchaseOrder,
  resolvePurchaseOrderId,
  type LineReceipt,
  type ReceiptOptions,
} from './service.js';
export { buyingTermsBySku, type SupplierTerms } from './supplier-skus.js';
export { purchasingRoutes } from './routes.js';
export type {
  CreatePurchaseOrderInput,
  PurchaseOrder,
  PurchaseOrderLineItem,
  Supplier,
  SupplierSku,
} from './schemas.js';
export type { PurchasingTables } from './tables.js';
