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

/** The stock figures of one sku, as read from Postgres. */
export type StockRow = Pick<ProductRow, 'sku' | 'available' | 'reserved' | 'sold'>;

/** The catalog snapshot read models follow (gateway cache), emitted by whatever changed the row. */
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
