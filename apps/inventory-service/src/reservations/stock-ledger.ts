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

/** Locks the stock rows of `skus` in sku order and returns what they hold. */
export async function lockStock(manager: EntityManager, skus: string[]): Promise<Map<string, number>> {
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
