import { PAYMENT_METHODS } from '@orders/events';
import { DomainError, Problems } from '@orders/platform-http';

export class OrderNotFound extends DomainError {
  constructor() {
    // Same answer for "does not exist" and "belongs to someone else": never reveal which.
    super(Problems.OrderNotFound, 'No such order.');
  }
}

export class OrderNotCancellable extends DomainError {
  constructor(status: string) {
    super(Problems.OrderNotCancellable, `The order is ${status} and can no longer be cancelled.`);
  }
}

export class UnknownSkus extends DomainError {
  constructor(skus: string[]) {
    super(
      Problems.UnknownSku,
      `Unknown sku: ${skus.join(', ')}.`,
      skus.map((sku) => ({ field: 'items.sku', message: `unknown sku ${sku}` })),
    );
  }
}

export class UnsupportedPaymentMethod extends DomainError {
  constructor(method: string) {
    const accepted = PAYMENT_METHODS.join(', ');
    super(Problems.UnsupportedPaymentMethod, `Payment method ${method} is not accepted; accepted: ${accepted}.`, [
      { field: 'paymentMethod', message: `paymentMethod must be one of: ${accepted}` },
    ]);
  }
}
