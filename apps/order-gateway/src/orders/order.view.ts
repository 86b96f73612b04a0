import { ApiProperty } from '@nestjs/swagger';
import { CANCEL_REASONS, CancelReason } from '@orders/events';
import { sql } from '../database/sql';
import { ORDER_STATUSES, type OrderStatus } from './order-status';

export class OrderItemView {
  @ApiProperty({ example: 'SKU-TSHIRT-M' })
  sku!: string;

  @ApiProperty({ example: 2 })
  quantity!: number;

  @ApiProperty({ example: 1299 })
  unitPriceCents!: number;
}

export class StatusChangeView {
  @ApiProperty({ enum: ORDER_STATUSES, example: 'CREATED' })
  status!: OrderStatus;

  @ApiProperty({ format: 'date-time', example: '2026-01-02T03:04:05.678Z' })
  at!: string;
}

/** The order representation of the contract. */
export class OrderView {
  @ApiProperty({ format: 'uuid', example: '0b9d4c4e-7c1a-4f43-9a55-2f7c8d1e6a10' })
  id!: string;

  @ApiProperty({ example: 'user-42', description: 'The `sub` of the token that created the order.' })
  userId!: string;

  @ApiProperty({
    enum: ORDER_STATUSES,
    example: 'CREATED',
    description: 'CREATED → RESERVED → PAID → CONFIRMED, or CANCELLED. CONFIRMED and CANCELLED are terminal.',
  })
  status!: OrderStatus;

  @ApiProperty({ type: [OrderItemView] })
  items!: OrderItemView[];

  @ApiProperty({ example: 2598, description: 'Sum of quantity × unitPriceCents, prices captured at order time.' })
  totalCents!: number;

  @ApiProperty({ example: 'USD' })
  currency!: string;

  // null in the enum too: a nullable enum whose values lack null refuses null (OpenAPI 3.0.3, JSON Schema).
  @ApiProperty({ enum: [...CANCEL_REASONS, null], nullable: true, type: String, example: null, description: 'Set when (and only when) status is CANCELLED.' })
  cancelReason!: CancelReason | null;

  @ApiProperty({ type: [StatusChangeView] })
  history!: StatusChangeView[];

  @ApiProperty({ format: 'date-time', example: '2026-01-02T03:04:05.678Z' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', example: '2026-01-02T03:04:05.678Z' })
  updatedAt!: string;
}

/** One page of GET /orders. */
export class OrderPageView {
  @ApiProperty({ type: [OrderView], description: "The caller's orders, newest first." })
  items!: OrderView[];

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'WyIyMDI2LTAxLTAyVDAzOjA0OjA1LjY3OFoiLCIwYjlkNGM0ZS03YzFhLTRmNDMtOWE1NS0yZjdjOGQxZTZhMTAiXQ',
    description: 'Pass as `cursor` for the next page; null on the last page.',
  })
  nextCursor!: string | null;
}

export interface OrderRow {
  id: string;
  user_id: string;
  status: OrderStatus;
  cancel_reason: CancelReason | null;
  total_cents: string;
  currency: string;
  payment_method: string | null;
  history: StatusChangeView[];
  items: OrderItemView[] | null;
  created_at: Date;
  updated_at: Date;
}

export const ORDER_SELECT = sql`
  SELECT o.id, o.user_id, o.status, o.cancel_reason, o.total_cents, o.currency, o.payment_method, o.history,
         o.created_at, o.updated_at,
         (SELECT json_agg(json_build_object('sku', i.sku, 'quantity', i.quantity, 'unitPriceCents', i.unit_price_cents) ORDER BY i.line_no)
            FROM order_items i WHERE i.order_id = o.id) AS items
    FROM orders o`;

export function toOrderView(row: OrderRow): OrderView {
  return {
    id: row.id,
    userId: row.user_id,
    status: row.status,
    items: (row.items ?? []).map((item) => ({ sku: item.sku, quantity: item.quantity, unitPriceCents: item.unitPriceCents })),
    totalCents: Number(row.total_cents),
    currency: row.currency,
    cancelReason: row.cancel_reason,
    history: row.history.map((change) => ({ status: change.status, at: change.at })),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
