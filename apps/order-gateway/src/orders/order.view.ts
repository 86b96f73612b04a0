import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CANCEL_REASONS, CancelReason } from '@orders/events';
import { ORDER_STATUSES, OrderStatus } from './order-status';

export class OrderItemView {
  @ApiProperty({ example: 'SKU-TSHIRT-M' })
  sku!: string;

  @ApiProperty({ example: 2 })
  quantity!: number;

  @ApiProperty({ example: 1299 })
  unitPriceCents!: number;
}

export class StatusChangeView {
  @ApiProperty({ enum: ORDER_STATUSES })
  status!: OrderStatus;

  @ApiProperty({ format: 'date-time' })
  at!: string;
}

/** The order representation of the contract. */
export class OrderView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  userId!: string;

  @ApiProperty({ enum: ORDER_STATUSES })
  status!: OrderStatus;

  @ApiProperty({ type: [OrderItemView] })
  items!: OrderItemView[];

  @ApiProperty({ example: 2598 })
  totalCents!: number;

  @ApiProperty({ example: 'USD' })
  currency!: string;

  @ApiPropertyOptional({ enum: CANCEL_REASONS, nullable: true, type: String })
  cancelReason!: CancelReason | null;

  @ApiProperty({ type: [StatusChangeView] })
  history!: StatusChangeView[];

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
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

export const ORDER_SELECT = `
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
    items: (row.items ?? []).map((item) => ({ sku: item.sku, quantity: item.quantity, unitPriceCents: Number(item.unitPriceCents) })),
    totalCents: Number(row.total_cents),
    currency: row.currency,
    cancelReason: row.cancel_reason,
    history: row.history.map((change) => ({ status: change.status, at: change.at })),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
