import { Injectable } from '@nestjs/common';
import { ReservationPath } from '@orders/events';
import { queryRows } from '@orders/platform-database';
import { EntityManager } from 'typeorm';
import { ProductRow, StockRow } from './product-row';
import { INITIAL_RESERVATION_STATE, ReservationState, SQL_IS_OPEN, sqlMayMoveTo } from './reservation-status';
import { ItemQuantity, Shortage, shortagesOf } from './stock-quantities';

/** The product query: every read of a product with its stock starts here. */
const SELECT_PRODUCTS = 'SELECT p.sku, p.name, p.price_cents, p.currency, s.available, s.reserved, s.sold, s.revision FROM products p JOIN stock s USING (sku)';

const LIST_LIMIT = 1000;

const UNIQUE_VIOLATION = '23505';

type StockMove = 'reserve' | 'commit' | 'release';

const MOVES: Record<StockMove, string> = {
  reserve: 'available = s.available - u.qty, reserved = s.reserved + u.qty',
  commit: 'reserved = s.reserved - u.qty, sold = s.sold + u.qty',
  release: 'reserved = s.reserved - u.qty, available = s.available + u.qty',
};

type PostgresReserveResult = { ok: true; rows: ProductRow[] } | { ok: false; shortages: Shortage[]; unknown: boolean };

/** An order's reserved items, for the ledger. */
export interface LedgerEntry {
  orderId: string;
  items: ItemQuantity[];
  path: ReservationPath;
}

/** A ledger row that moved, with the units it moved. */
interface MovedReservation extends ItemQuantity {
  order_id: string;
}

/** An open reservation of one order, as Redis keeps it for a hold. */
interface OpenReservation {
  orderId: string;
  at: number;
  items: ItemQuantity[];
}

/** Everything Redis must hold, from one Postgres snapshot. */
export interface WarmState {
  stock: Array<{ sku: string; available: number }>;
  holds: OpenReservation[];
}

export interface PostgresReconcileView {
  available: Map<string, number>;
  /** Ledger state of the orders Redis holds, when Postgres has a row for them. */
  reservationState: Map<string, ReservationState>;
}

/**
 * Every SQL statement on the inventory's tables — products, stock, the reservation ledger,
 * the stock adjustments — and nothing else. Stateless: each method runs on the `manager`
 * it is given, so it takes part in the caller's transaction (or reads committed rows when
 * given the data source's manager).
 */
@Injectable()
export class StockStore {
  // ── Products ──────────────────────────────────────────────────────────────

  async readProduct(manager: EntityManager, sku: string): Promise<ProductRow | undefined> {
    const [row] = await this.readProducts(manager, [sku]);
    return row;
  }

  readProducts(manager: EntityManager, skus: string[]): Promise<ProductRow[]> {
    return queryRows<ProductRow>(manager, `${SELECT_PRODUCTS} WHERE p.sku = ANY($1::text[]) ORDER BY p.sku`, [skus]);
  }

  listProducts(manager: EntityManager): Promise<ProductRow[]> {
    return queryRows<ProductRow>(manager, `${SELECT_PRODUCTS} ORDER BY p.sku LIMIT ${LIST_LIMIT}`);
  }

  /** Undefined when the sku is taken (the transaction is then aborted: the caller must throw). */
  async createProduct(
    manager: EntityManager,
    product: { sku: string; name: string; priceCents: number; initialStock: number },
  ): Promise<ProductRow | undefined> {
    try {
      await manager.query('INSERT INTO products (sku, name, price_cents) VALUES ($1, $2, $3)', [product.sku, product.name, product.priceCents]);
    } catch (error) {
      if ((error as { driverError?: { code?: string } }).driverError?.code === UNIQUE_VIOLATION) return undefined;
      throw error;
    }
    await manager.query('INSERT INTO stock (sku, available, initial_stock) VALUES ($1, $2, $2)', [product.sku, product.initialStock]);
    return this.readProduct(manager, product.sku);
  }

  /** Changes what is given (null: keep); the stock's revision moves so the snapshot is newer. Undefined for an unknown sku. */
  async updateProduct(manager: EntityManager, sku: string, changes: { name: string | null; priceCents: number | null }): Promise<ProductRow | undefined> {
    const updated = await queryRows(
      manager,
      `UPDATE products SET name = COALESCE($2, name), price_cents = COALESCE($3, price_cents), updated_at = now() WHERE sku = $1 RETURNING sku`,
      [sku, changes.name, changes.priceCents],
    );
    if (updated.length === 0) return undefined;
    await manager.query('UPDATE stock SET revision = revision + 1, updated_at = now() WHERE sku = $1', [sku]);
    return this.readProduct(manager, sku);
  }

  // ── Stock ─────────────────────────────────────────────────────────────────

  async readStock(manager: EntityManager, sku: string): Promise<StockRow | undefined> {
    const [row] = await queryRows<StockRow>(manager, 'SELECT sku, available, reserved, sold FROM stock WHERE sku = $1', [sku]);
    return row;
  }

  /** Locks one sku's stock row for an adjustment: its available units and its units in all. */
  async lockForAdjustment(manager: EntityManager, sku: string): Promise<{ available: number; total: number } | undefined> {
    const rows = await queryRows<{ available: number; total: string }>(
      manager,
      'SELECT available, available::bigint + reserved + sold AS total FROM stock WHERE sku = $1 FOR UPDATE',
      [sku],
    );
    const row = rows.at(0);
    return row && { available: row.available, total: Number(row.total) };
  }

  /** Adds `delta` available units (row locked by `lockForAdjustment`) and records who did it. */
  async adjustStock(manager: EntityManager, sku: string, delta: number, actor: string): Promise<ProductRow> {
    await manager.query('UPDATE stock SET available = available + $2, adjusted = adjusted + $2, revision = revision + 1, updated_at = now() WHERE sku = $1', [
      sku,
      delta,
    ]);
    await manager.query('INSERT INTO stock_adjustments (sku, delta, actor) VALUES ($1, $2, $3)', [sku, delta, actor]);
    const [row] = await this.readProducts(manager, [sku]);
    return row;
  }

  /** Available units without any lock (a plain read of committed rows). */
  async readAvailable(manager: EntityManager, skus: string[]): Promise<Map<string, number>> {
    const rows = await queryRows<{ sku: string; available: number }>(manager, 'SELECT sku, available FROM stock WHERE sku = ANY($1::text[])', [skus]);
    return new Map(rows.map((row) => [row.sku, row.available]));
  }

  /** Locks the stock rows of `skus` in sku order (after serializeStockMoves) and returns what they hold. */
  async lockStock(manager: EntityManager, skus: string[]): Promise<Map<string, number>> {
    await serializeStockMoves(manager);
    const rows = await queryRows<{ sku: string; available: number }>(
      manager,
      'SELECT sku, available FROM stock WHERE sku = ANY($1::text[]) ORDER BY sku FOR UPDATE',
      [skus],
    );
    return new Map(rows.map((row) => [row.sku, row.available]));
  }

  /**
   * Moves units between available, reserved and sold for rows already locked by
   * `lockStock` (so the set-based UPDATE cannot deadlock). Returns the new rows.
   */
  async moveStock(manager: EntityManager, move: StockMove, items: ItemQuantity[]): Promise<ProductRow[]> {
    await queryRows(
      manager,
      `UPDATE stock s SET ${MOVES[move]}, revision = s.revision + 1, updated_at = now()
         FROM unnest($1::text[], $2::int[]) AS u(sku, qty)
        WHERE s.sku = u.sku`,
      [items.map((item) => item.sku), items.map((item) => item.quantity)],
    );
    return this.readProducts(
      manager,
      items.map((item) => item.sku),
    );
  }

  /**
   * Reserves in Postgres, the durable truth, inside the caller's transaction. One item: a
   * single conditional UPDATE (no lock is taken when the stock is short, so a sold-out hot
   * sku costs one index lookup). Several items: rows locked in sku order (no deadlocks),
   * checked, then moved together: all or none.
   */
  async reserve(manager: EntityManager, items: ItemQuantity[]): Promise<PostgresReserveResult> {
    if (items.length === 1) {
      await serializeStockMoves(manager);
      const [{ sku, quantity }] = items;
      const moved = await queryRows(
        manager,
        `UPDATE stock SET available = available - $2, reserved = reserved + $2, revision = revision + 1, updated_at = now()
          WHERE sku = $1 AND available >= $2 RETURNING sku`,
        [sku, quantity],
      );
      if (moved.length === 1) return { ok: true, rows: await this.readProducts(manager, [sku]) };
      const available = await this.readAvailable(manager, [sku]);
      return { ok: false, shortages: shortagesOf(items, available), unknown: !available.has(sku) };
    }
    const available = await this.lockStock(
      manager,
      items.map((item) => item.sku),
    );
    const shortages = shortagesOf(items, available);
    if (shortages.length > 0) return { ok: false, shortages, unknown: shortages.some((shortage) => !available.has(shortage.sku)) };
    return { ok: true, rows: await this.moveStock(manager, 'reserve', items) };
  }

  // ── The reservation ledger ────────────────────────────────────────────────

  /** The ledger rows of many orders in one statement. */
  async recordReservations(manager: EntityManager, reserved: LedgerEntry[]): Promise<void> {
    const rows = reserved.flatMap(({ orderId, items, path }) => items.map((item) => ({ orderId, sku: item.sku, quantity: item.quantity, path })));
    await queryRows(
      manager,
      `INSERT INTO reservations (order_id, sku, quantity, state, path)
       SELECT u.order_id, u.sku, u.qty, '${INITIAL_RESERVATION_STATE}', u.path FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[]) AS u(order_id, sku, qty, path)`,
      [rows.map((row) => row.orderId), rows.map((row) => row.sku), rows.map((row) => row.quantity), rows.map((row) => row.path)],
    );
  }

  /** Moves the ledger rows of `orderIds` that may move to `to`, in one statement; returns those that moved. */
  settleReservations(manager: EntityManager, orderIds: string[], to: ReservationState): Promise<MovedReservation[]> {
    return queryRows<MovedReservation>(
      manager,
      `UPDATE reservations SET state = $2, updated_at = now()
        WHERE order_id = ANY($1::uuid[]) AND ${sqlMayMoveTo(to)}
        RETURNING order_id, sku, quantity`,
      [orderIds, to],
    );
  }

  /** Releases the reservations open for longer than `ttlMs`; returns those that moved. */
  releaseExpiredReservations(manager: EntityManager, ttlMs: number): Promise<MovedReservation[]> {
    const to: ReservationState = 'RELEASED';
    return queryRows<MovedReservation>(
      manager,
      `UPDATE reservations SET state = $2, updated_at = now()
        WHERE ${sqlMayMoveTo(to)} AND created_at < now() - make_interval(secs => $1::double precision / 1000)
        RETURNING order_id, sku, quantity`,
      [ttlMs, to],
    );
  }

  // ── What Redis is compared with ───────────────────────────────────────────

  /** Everything Redis must hold, read in one statement (one snapshot): stock and open reservations. */
  async readWarmState(manager: EntityManager): Promise<WarmState> {
    const [row] = await queryRows<{ stock: WarmState['stock'] | null; holds: OpenReservation[] | null }>(
      manager,
      `SELECT
         (SELECT json_agg(json_build_object('sku', sku, 'available', available)) FROM stock) AS stock,
         (SELECT json_agg(json_build_object('orderId', order_id, 'at', at, 'items', items)) FROM (
            SELECT order_id, (extract(epoch FROM min(created_at)) * 1000)::bigint AS at,
                   json_agg(json_build_object('sku', sku, 'quantity', quantity) ORDER BY sku) AS items
              FROM reservations WHERE ${SQL_IS_OPEN} GROUP BY order_id) open) AS holds`,
    );
    return { stock: row.stock ?? [], holds: row.holds ?? [] };
  }

  /**
   * Stock (of `skus`, or all) and the ledger state of `orderIds`, in one statement so both
   * come from one snapshot.
   */
  async readReconcileView(manager: EntityManager, orderIds: string[], skus: string[] | null = null): Promise<PostgresReconcileView> {
    const [row] = await queryRows<{
      stock: Array<{ sku: string; available: number }> | null;
      ledger: Array<{ order_id: string; state: ReservationState }> | null;
    }>(
      manager,
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
}

/**
 * Every transaction that moves stock takes this advisory lock first, held until its commit.
 * A unit of work (one transaction per lane batch) can lock stock rows more than once — its
 * reservations, then its settlements — so sku order alone no longer rules out a deadlock
 * between two units (the bench saw them: each costs Postgres's 1 s deadlock_timeout and a
 * retry). With it, stock-moving transactions run one at a time (each moves a whole batch)
 * and never wait on each other in a cycle. Re-entrant within a transaction; per database.
 */
async function serializeStockMoves(manager: EntityManager): Promise<void> {
  await queryRows(manager, "SELECT pg_advisory_xact_lock(hashtext('inventory.stock-moves'))");
}
