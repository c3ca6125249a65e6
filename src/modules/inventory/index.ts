/**
 * The inventory module's public surface: the only file other modules import. Everything that
 * changes a quantity is here and goes through the ledger (ledger.ts); documents (orders, wholesale
 * orders, work orders, purchase orders, returns, counts) reserve, consume, release and post stock
 * through these functions and never write inventory tables themselves.
 */
export {
  consume,
  type DocumentRef,
  inItemOrder,
  itemIdOf,
  itemIdsFor,
  lookUpStock,
  reserveAvailable,
  reserveForDocument,
  stockKey,
  UnknownSkuError,
  withWhereStockIs,
  type StockAt,
  type StockLookup,
  type StockNeed,
  type WantedLine,
} from './allocation.js';
export {
  activeReservations,
  adjustIncoming,
  consumeReservation,
  ensureItem,
  findOrCreateItem,
  getItemTotals,
  InsufficientInventoryError,
  missingItemShortage,
  moveReservation,
  postInTransit,
  postMovement,
  receiveStock,
  releaseByReference,
  releaseReservation,
  reservedForDocuments,
  reserveStock,
  type LedgerReference,
  type MovementInput,
  type ReserveRequest,
  type Shortage,
} from './ledger.js';
export { defaultLocationId, locationNamed, resolveLocationId } from './locations.js';
export { getInventoryItem, toInventoryItem } from './service.js';
export { inventoryRoutes } from './routes.js';
export { formatVerifyReport, verifyInventory, type VerifyReport } from './verify.js';
export type { InventoryItem, Location } from './schemas.js';
export type { InventoryTables, InventoryItemsTable, InventoryReservationsTable, MovementReason } from './tables.js';
