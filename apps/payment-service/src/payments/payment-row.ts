export type PaymentStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'REFUNDED';

export interface PaymentRow {
  id: string;
  order_id: string;
  amount_cents: string;
  currency: string;
  payment_method: string | null;
  status: PaymentStatus;
  provider_tx_id: string | null;
}
