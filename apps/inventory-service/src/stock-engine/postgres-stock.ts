import { queryRows } from '@orders/platform';
import { EntityManager } from 'typeorm';
import { PRODUCT_COLUMNS, ProductRow } from '../catalog/product-row';
import { ItemQuantity, lockStock, moveStock, serializeStockMoves, Shortage, shortagesOf } from '../reservations/stock-ledger';
import { WarmState } from './redis-stock';

export type PostgresReserveResult = { ok: true; rows: ProductRow[] } | { ok: false; shortages: Shortage[]; unknown: boolean };

/**
 * Reserves in Postgres, the durable truth, inside the caller's transaction. One item: a
 * single conditional UPDATE (no lock is taken when the stock is short, so a sold-out hot
 * sku costs one index lookup). Several items: rows locked in sku order (no deadlocks),
 * checked, then moved together: all or none.
 */
export async function reserveInPostgres(manager: EntityManager, items: ItemQuantity[]): Promise<PostgresReserveResult> {
  if (items.length === 1) {
    await serializeStockMoves(manager);
    const [{ sku, quantity }] = items;
    const moved = await queryRows(
      manager,
      `UPDATE stock SET available = available - $2, reserved = reserved + $2, revision = revision + 1, updated_at = now()
        WHERE sku = $1 AND available >= $2 RETURNING sku`,
      [sku, quantity],
    );
    if (moved.length === 1) return { ok: true, rows: await readProducts(manager, [sku]) };
    const available = await readAvailable(manager, [sku]);
    return { ok: false, shortages: shortagesOf(items, available), unknown: !available.has(sku) };
  }
  const available = await lockStock(
    manager,
    items.map((item) => item.sku),
  );
  const shortages = shortagesOf(items, available);
  if (shortages.length > 0) return { ok: false, shortages, unknown: shortages.some((shortage) => !available.has(shortage.sku)) };
  return { ok: true, rows: await moveStock(manager, 'reserve', items) };
}

/** Available units without any lock (a plain read of committed rows). */
export async function readAvailable(manager: EntityManager, skus: string[]): Promise<Map<string, number>> {
  const rows: Array<{ sku: string; available: number }> = await manager.query('SELECT sku, available FROM stock WHERE sku = ANY($1::text[])', [skus]);
  return new Map(rows.map((row) => [row.sku, row.available]));
}

export function readProducts(manager: EntityManager, skus: string[]): Promise<ProductRow[]> {
  return manager.query(`SELECT ${PRODUCT_COLUMNS} FROM products p JOIN stock s USING (sku) WHERE p.sku = ANY($1::text[]) ORDER BY p.sku`, [skus]);
}

/** Everything Redis must hold, read in one statement (one snapshot): stock and open reservations. */
export async function readWarmState(manager: EntityManager): Promise<WarmState> {
  const [row]: Array<{ stock: Array<{ sku: string; available: number }> | null; holds: WarmState['holds'] | null }> = await manager.query(`
    SELECT
      (SELECT json_agg(json_build_object('sku', sku, 'available', available)) FROM stock) AS stock,
      (SELECT json_agg(json_build_object('orderId', order_id, 'at', at, 'items', items)) FROM (
         SELECT order_id, (extract(epoch FROM min(created_at)) * 1000)::bigint AS at,
                json_agg(json_build_object('sku', sku, 'quantity', quantity) ORDER BY sku) AS items
           FROM reservations WHERE state = 'RESERVED' GROUP BY order_id) open) AS holds`);
  return { stock: row.stock ?? [], holds: row.holds ?? [] };
}

export interface PostgresReconcileView {
  available: Map<string, number>;
  /** Ledger state of the orders Redis holds, when Postgres has a row for them. */
  reservationState: Map<string, string>;
}

/**
 * Stock (of `skus`, or all) and the ledger state of `orderIds`, in one statement so both
 * come from one snapshot.
 */
export async function readReconcileView(manager: EntityManager, orderIds: string[], skus: string[] | null = null): Promise<PostgresReconcileView> {
  const [row]: Array<{ stock: Array<{ sku: string; available: number }> | null; ledger: Array<{ order_id: string; state: string }> | null }> =
    await manager.query(
      `SELECT
       (SELECT json_agg(json_build_object('sku', sku, 'available', available)) FROM stock WHERE $2::text[] IS NULL OR sku = ANY($2::text[])) AS stock,
       (SELECT json_agg(json_build_object('order_id', order_id, 'state', state))
          FROM (SELECT DISTINCT order_id, state FROM reservations WHERE order_id = ANY($1::uuid[])) held) AS ledger`,
      [orderIds, skus],
    );
  return {
    available: new Map((row.stock ?? []).map((item) => [item.sku, item.available])),
    reservationState: new Map((row.ledger ?? []).map((item) => [item.order_id, item.state])),
  };
}
