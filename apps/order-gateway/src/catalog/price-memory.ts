import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { counter } from '@orders/platform-observability';
import { DataSource } from 'typeorm';
import { runSql, Sql, sql } from '../database/sql';

const refreshes = counter({
  name: 'gateway_price_memory_refreshes_total',
  help: 'Catalog price reads beyond the order statement: a sku not yet remembered (miss), or a remembered price found changed (stale)',
  labelNames: ['reason'],
});

/** A sku at the price an order assumed. */
export interface AssumedPrice {
  sku: string;
  unitPriceCents: number;
}

interface PriceRow {
  sku: string;
  price_cents: string | number;
}

/**
 * Catalog prices remembered in-process (sku → price), so that an order needs no read before
 * its write: the write's statement checks, in its own snapshot, that every remembered price is
 * still the catalog's (`unchanged`), and writes nothing otherwise. Prices captured are thus
 * always the catalog's at statement time; a stale memory costs a retry, never a wrong price.
 * Bounded by the catalog: only skus the catalog has are remembered.
 */
@Injectable()
export class PriceMemory {
  private readonly prices = new Map<string, number>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The remembered prices of `skus`, reading those not remembered yet (one plain read); a sku the catalog lacks is absent. */
  async pricesOf(skus: readonly string[]): Promise<ReadonlyMap<string, number>> {
    const missing = skus.filter((sku) => !this.prices.has(sku));
    if (missing.length > 0) {
      refreshes.inc({ reason: 'miss' });
      this.learn(missing, await runSql<PriceRow>(this.dataSource, currentPrices(missing)));
    }
    return new Map(skus.flatMap((sku) => (this.prices.has(sku) ? [[sku, this.prices.get(sku) ?? 0] as const] : [])));
  }

  /**
   * A premise for the order's statement: every assumed price is still the catalog's. When it
   * fails, `actual` reads the current prices of these skus and `refresh` remembers them (and
   * forgets a sku the catalog no longer has).
   */
  unchanged(assumed: readonly AssumedPrice[]): { holds: Sql; actual: Sql; refresh(actual: unknown): void } {
    const skus = assumed.map((item) => item.sku);
    return {
      holds: sql`NOT EXISTS (SELECT 1 FROM unnest(${skus}::text[], ${assumed.map((item) => item.unitPriceCents)}::bigint[]) AS assumed(sku, price_cents)
                             LEFT JOIN catalog_products c ON c.sku = assumed.sku
                             WHERE c.price_cents IS DISTINCT FROM assumed.price_cents)`,
      actual: sql`SELECT coalesce(json_agg(json_build_object('sku', sku, 'price_cents', price_cents)), '[]'::json) FROM (${currentPrices(skus)}) AS current`,
      refresh: (actual) => {
        refreshes.inc({ reason: 'stale' });
        this.learn(skus, actual as PriceRow[]);
      },
    };
  }

  private learn(asked: readonly string[], rows: readonly PriceRow[]): void {
    for (const sku of asked) this.prices.delete(sku);
    for (const row of rows) this.prices.set(row.sku, Number(row.price_cents));
  }
}

function currentPrices(skus: readonly string[]): Sql {
  return sql`SELECT sku, price_cents FROM catalog_products WHERE sku = ANY(${skus}::text[])`;
}
