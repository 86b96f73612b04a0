import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ProductChangedV1, SKU_PATTERN } from '@orders/events';
import { DataSource } from 'typeorm';
import { ProductNotFound } from './catalog.errors';

export interface CatalogProduct {
  sku: string;
  name: string;
  priceCents: number;
  currency: string;
  available: number;
}

interface CatalogRow {
  sku: string;
  name: string;
  price_cents: string;
  currency: string;
  available: number;
}

const toProduct = (row: CatalogRow): CatalogProduct => ({
  sku: row.sku,
  name: row.name,
  priceCents: Number(row.price_cents),
  currency: row.currency,
  available: Math.max(0, row.available),
});

/**
 * The gateway's copy of the catalog, fed by inventory's ProductChanged snapshots.
 * Prices are captured from here at order time; `available` may lag a moment.
 */
@Injectable()
export class CatalogCache {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Keeps the newest snapshot per sku, whatever order snapshots arrive in. */
  async apply(snapshot: ProductChangedV1): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO catalog_products (sku, name, price_cents, currency, available, revision, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, now())
       ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name, price_cents = EXCLUDED.price_cents, currency = EXCLUDED.currency,
              available = EXCLUDED.available, revision = EXCLUDED.revision, updated_at = now()
        WHERE catalog_products.revision < EXCLUDED.revision`,
      [snapshot.sku, snapshot.name, snapshot.priceCents, snapshot.currency, Math.max(0, snapshot.available), snapshot.revision],
    );
  }

  async list(): Promise<CatalogProduct[]> {
    const rows: CatalogRow[] = await this.dataSource.query('SELECT sku, name, price_cents, currency, available FROM catalog_products ORDER BY sku LIMIT 1000');
    return rows.map(toProduct);
  }

  async get(sku: string): Promise<CatalogProduct> {
    // A value that cannot be a sku cannot be in the catalog (and a NUL would upset Postgres).
    if (!SKU_PATTERN.test(sku)) throw new ProductNotFound();
    const [row]: Array<CatalogRow | undefined> = await this.dataSource.query(
      'SELECT sku, name, price_cents, currency, available FROM catalog_products WHERE sku = $1',
      [sku],
    );
    if (!row) throw new ProductNotFound();
    return toProduct(row);
  }
}
