import { createEvent, Currency, EnvelopeOf } from '@orders/events';

/** A product joined with its stock, as read from Postgres. */
export interface ProductRow {
  sku: string;
  name: string;
  price_cents: string;
  currency: Currency;
  available: number;
  reserved: number;
  sold: number;
  revision: string;
}

export const PRODUCT_COLUMNS = 'p.sku, p.name, p.price_cents, p.currency, s.available, s.reserved, s.sold, s.revision';

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

export const toStockView = (row: Pick<ProductRow, 'sku' | 'available' | 'reserved' | 'sold'>): StockView => ({
  sku: row.sku,
  available: row.available,
  reserved: row.reserved,
  sold: row.sold,
});

/** The catalog snapshot read models follow (gateway cache). */
export const productChanged = (row: ProductRow): EnvelopeOf<'ProductChanged'> =>
  createEvent('ProductChanged', {
    orderId: null,
    payload: {
      sku: row.sku,
      name: row.name,
      priceCents: Number(row.price_cents),
      currency: row.currency,
      available: Math.max(0, row.available),
      revision: Number(row.revision),
    },
  });
