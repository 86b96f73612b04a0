// What the system e2e tests (and only they) use to run this service in-process.
export { createInventoryApp } from './inventory.app';
export { InventoryConfig } from './config/inventory.config';
export { migrateInventory } from './migrate';
export { RedisStock } from './stock-engine/redis-stock';
export { StockEngine } from './stock-engine/stock-engine';
export { StockReconciler } from './stock-engine/reconciler.service';
