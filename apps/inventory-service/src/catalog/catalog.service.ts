import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { queryRows, TransactionalEvents } from '@orders/platform';
import { ProductChangedV1 } from '@orders/events';
import { DataSource, EntityManager } from 'typeorm';
import { StockEngine } from '../stock-engine/stock-engine';
import { MAX_STOCK, ProductAlreadyExists, StockLimitExceeded, StockWouldGoNegative, UnknownProduct } from './catalog.errors';
import { CreateProductDto } from './dto/create-product.dto';
import { UpdateProductDto } from './dto/update-product.dto';
import { PRODUCT_COLUMNS, productChanged, ProductRow, ProductView, StockView, toProductView, toStockView } from './product-row';

const UNIQUE_VIOLATION = '23505';

@Injectable()
export class CatalogService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: TransactionalEvents,
    private readonly engine: StockEngine,
  ) {}

  async createProduct(input: CreateProductDto): Promise<ProductView> {
    const product = await this.events.run(async (manager) => {
      try {
        await manager.query('INSERT INTO products (sku, name, price_cents) VALUES ($1, $2, $3)', [input.sku, input.name, input.priceCents]);
      } catch (error) {
        if ((error as { driverError?: { code?: string } }).driverError?.code === UNIQUE_VIOLATION) throw new ProductAlreadyExists(input.sku);
        throw error;
      }
      await manager.query('INSERT INTO stock (sku, available, initial_stock) VALUES ($1, $2, $2)', [input.sku, input.initialStock]);
      const row = await this.readProduct(manager, input.sku);
      return { result: toProductView(row), events: [productChanged(row)] };
    });
    // After the commit (Postgres is the truth); a failure here is healed by reconciliation.
    await this.engine.productCreated(input.sku, input.initialStock);
    return product;
  }

  async updateProduct(sku: string, input: UpdateProductDto): Promise<ProductView> {
    return this.events.run(async (manager) => {
      const updated = await queryRows(
        manager,
        `UPDATE products SET name = COALESCE($2, name), price_cents = COALESCE($3, price_cents), updated_at = now() WHERE sku = $1 RETURNING sku`,
        [sku, input.name ?? null, input.priceCents ?? null],
      );
      if (updated.length === 0) throw new UnknownProduct(sku);
      await manager.query('UPDATE stock SET revision = revision + 1, updated_at = now() WHERE sku = $1', [sku]);
      const row = await this.readProduct(manager, sku);
      return { result: toProductView(row), events: [productChanged(row)] };
    });
  }

  /**
   * Adds or removes available units; never below zero nor past MAX_STOCK units in all (so no
   * column can overflow), and the conservation rule keeps holding.
   */
  async adjustStock(sku: string, delta: number, actor: string): Promise<StockView> {
    const view = await this.events.run(async (manager) => {
      const [current]: Array<{ available: number; total: string }> = await manager.query(
        'SELECT available, available::bigint + reserved + sold AS total FROM stock WHERE sku = $1 FOR UPDATE',
        [sku],
      );
      if (!current) throw new UnknownProduct(sku);
      if (current.available + delta < 0) throw new StockWouldGoNegative(sku, current.available, delta);
      if (Number(current.total) + delta > MAX_STOCK) throw new StockLimitExceeded(sku, Number(current.total), delta);
      await manager.query('UPDATE stock SET available = available + $2, adjusted = adjusted + $2, revision = revision + 1, updated_at = now() WHERE sku = $1', [
        sku,
        delta,
      ]);
      await manager.query('INSERT INTO stock_adjustments (sku, delta, actor) VALUES ($1, $2, $3)', [sku, delta, actor]);
      const row = await this.readProduct(manager, sku);
      return { result: toStockView(row), events: [productChanged(row)] };
    });
    // After the commit, like every Redis write of a Postgres-first change; reconciliation covers a failure.
    await this.engine.stockAdjusted(sku, delta);
    return view;
  }

  async getStock(sku: string): Promise<StockView> {
    const [row]: ProductRow[] = await this.dataSource.query('SELECT sku, available, reserved, sold FROM stock WHERE sku = $1', [sku]);
    if (!row) throw new UnknownProduct(sku);
    return toStockView(row);
  }

  async getProduct(sku: string): Promise<ProductView> {
    return toProductView(await this.readProduct(this.dataSource.manager, sku));
  }

  async getSnapshot(sku: string): Promise<ProductChangedV1> {
    return productChanged(await this.readProduct(this.dataSource.manager, sku)).payload;
  }

  async listProducts(): Promise<ProductView[]> {
    const rows: ProductRow[] = await this.dataSource.query(`SELECT ${PRODUCT_COLUMNS} FROM products p JOIN stock s USING (sku) ORDER BY p.sku LIMIT 1000`);
    return rows.map(toProductView);
  }

  private async readProduct(manager: EntityManager, sku: string): Promise<ProductRow> {
    const [row]: ProductRow[] = await manager.query(`SELECT ${PRODUCT_COLUMNS} FROM products p JOIN stock s USING (sku) WHERE p.sku = $1`, [sku]);
    if (!row) throw new UnknownProduct(sku);
    return row;
  }
}
