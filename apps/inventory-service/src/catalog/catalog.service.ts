import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ProductChangedV1 } from '@orders/events';
import { TransactionalEvents } from '@orders/platform-messaging';
import { DataSource } from 'typeorm';
import { StockEngine } from '../stock-engine/stock-engine';
import { productChanged, ProductRow } from '../stock-store/product-row';
import { StockStore } from '../stock-store/stock-store';
import { MAX_STOCK, ProductAlreadyExists, StockLimitExceeded, StockWouldGoNegative, UnknownProduct } from './catalog.errors';
import { CreateProductDto } from './dto/create-product.dto';
import { UpdateProductDto } from './dto/update-product.dto';
import { ProductView, StockView, toProductView, toStockView } from './product-views';

@Injectable()
export class CatalogService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: TransactionalEvents,
    private readonly store: StockStore,
    private readonly engine: StockEngine,
  ) {}

  async createProduct(input: CreateProductDto): Promise<ProductView> {
    const product = await this.events.run(async (manager) => {
      const row = await this.store.createProduct(manager, input);
      if (!row) throw new ProductAlreadyExists(input.sku);
      return { result: toProductView(row), events: [productChanged(row)] };
    });
    // After the commit (Postgres is the truth); a failure here is healed by reconciliation.
    await this.engine.productCreated(input.sku, input.initialStock);
    return product;
  }

  async updateProduct(sku: string, input: UpdateProductDto): Promise<ProductView> {
    return this.events.run(async (manager) => {
      const row = await this.store.updateProduct(manager, sku, { name: input.name ?? null, priceCents: input.priceCents ?? null });
      if (!row) throw new UnknownProduct(sku);
      return { result: toProductView(row), events: [productChanged(row)] };
    });
  }

  /**
   * Adds or removes available units; never below zero nor past MAX_STOCK units in all (so no
   * column can overflow), and the conservation rule keeps holding.
   */
  async adjustStock(sku: string, delta: number, actor: string): Promise<StockView> {
    const view = await this.events.run(async (manager) => {
      const current = await this.store.lockForAdjustment(manager, sku);
      if (!current) throw new UnknownProduct(sku);
      if (current.available + delta < 0) throw new StockWouldGoNegative(sku, current.available, delta);
      if (current.total + delta > MAX_STOCK) throw new StockLimitExceeded(sku, current.total, delta);
      const row = await this.store.adjustStock(manager, sku, delta, actor);
      return { result: toStockView(row), events: [productChanged(row)] };
    });
    // After the commit, like every Redis write of a Postgres-first change; reconciliation covers a failure.
    await this.engine.stockAdjusted(sku, delta);
    return view;
  }

  async getStock(sku: string): Promise<StockView> {
    const row = await this.store.readStock(this.dataSource.manager, sku);
    if (!row) throw new UnknownProduct(sku);
    return toStockView(row);
  }

  async getProduct(sku: string): Promise<ProductView> {
    return toProductView(await this.readProduct(sku));
  }

  async getSnapshot(sku: string): Promise<ProductChangedV1> {
    return productChanged(await this.readProduct(sku)).payload;
  }

  async listProducts(): Promise<ProductView[]> {
    const rows = await this.store.listProducts(this.dataSource.manager);
    return rows.map(toProductView);
  }

  private async readProduct(sku: string): Promise<ProductRow> {
    const row = await this.store.readProduct(this.dataSource.manager, sku);
    if (!row) throw new UnknownProduct(sku);
    return row;
  }
}
