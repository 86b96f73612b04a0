import { Currency } from '@orders/events';
import { ProductRow, StockRow } from '../stock-store/product-row';

export interface ProductView {
  sku: string;
  name: string;
  priceCents: number;
  currency: Currency;
  available: number;
}

export interface StockView {
  sku: string;
  available: number;
  reserved: number;
  sold: number;
}

export const toProductView = (row: ProductRow): ProductView => ({
  sku: row.sku,
  name: row.name,
  priceCents: Number(row.price_cents),
  currency: row.currency,
  available: Math.max(0, row.available),
});

export const toStockView = (row: StockRow): StockView => ({
  sku: row.sku,
  available: row.available,
  reserved: row.reserved,
  sold: row.sold,
});
