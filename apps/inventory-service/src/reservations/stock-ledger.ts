import { EntityManager } from 'typeorm';
import { PRODUCT_COLUMNS, ProductRow } from '../catalog/product-row';

export interface ItemQuantity {
  sku: string;
  quantity: number;
}

export interface Shortage {
  sku: string;
  requested: number;
  available: number;
}

/** Sums quantities per sku and sorts by sku: the fixed lock order that rules out deadlocks. */
export function normalise(items: ItemQuantity[]): ItemQuantity[] {
  const totals = new Map<string, number>();
  for (const item of items) totals.set(item.sku, (totals.get(item.sku) ?? 0) + item.quantity);
  return [...totals].map(([sku, quantity]) => ({ sku, quantity })).sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}

/**
 * Every transaction that moves stock takes this advisory lock first, held until its commit.
 * A unit of work (one transaction per lane batch) can lock stock rows more than once — its
 * reservations, then its settlements — so sku order alone no longer rules out a deadlock
 * between two units (the bench saw them: each costs Postgres's 1 s deadlock_timeout and a
 * retry). With it, stock-moving transactions run one at a time (each moves a whole batch)
 * and never wait on each other in a cycle. Re-entrant within a transaction; per database.
 */
export async function serializeStockMoves(manager: EntityManager): Promise<void> {
  await manager.query("SELECT pg_advisory_xact_lock(hashtext('inventory.stock-moves'))");
}

/** Locks the stock rows of `skus` in sku order (after serializeStockMoves) and returns what they hold. */
export async function lockStock(manager: EntityManager, skus: string[]): Promise<Map<string, number>> {
  await serializeStockMoves(manager);
  const rows: Array<{ sku: string; available: number }> = await manager.query(
    'SELECT sku, available FROM stock WHERE sku = ANY($1::text[]) ORDER BY sku FOR UPDATE',
    [skus],
  );
  return new Map(rows.map((row) => [row.sku, row.available]));
}

/** Items that cannot be served from `available`; unknown skus count as zero stock. */
export function shortagesOf(items: ItemQuantity[], available: Map<string, number>): Shortage[] {
  return items
    .filter((item) => (available.get(item.sku) ?? 0) < item.quantity)
    .map((item) => ({ sku: item.sku, requested: item.quantity, available: available.get(item.sku) ?? 0 }));
}

type StockMove = 'reserve' | 'commit' | 'release';

const MOVES: Record<StockMove, string> = {
  reserve: 'available = s.available - u.qty, reserved = s.reserved + u.qty',
  commit: 'reserved = s.reserved - u.qty, sold = s.sold + u.qty',
  release: 'reserved = s.reserved - u.qty, available = s.available + u.qty',
};

/**
 * Moves units between available, reserved and sold for rows already locked by
 * `lockStock` (so the set-based UPDATE cannot deadlock). Returns the new rows.
 */
export async function moveStock(manager: EntityManager, move: StockMove, items: ItemQuantity[]): Promise<ProductRow[]> {
  await manager.query(
    `UPDATE stock s SET ${MOVES[move]}, revision = s.revision + 1, updated_at = now()
       FROM unnest($1::text[], $2::int[]) AS u(sku, qty)
      WHERE s.sku = u.sku`,
    [items.map((item) => item.sku), items.map((item) => item.quantity)],
  );
  return manager.query(`SELECT ${PRODUCT_COLUMNS} FROM products p JOIN stock s USING (sku) WHERE p.sku = ANY($1::text[]) ORDER BY p.sku`, [
    items.map((item) => item.sku),
  ]);
}
