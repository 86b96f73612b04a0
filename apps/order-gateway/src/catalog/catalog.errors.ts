import { DomainError, Problems } from '@orders/platform-http';

/** The problem type inventory answers for an unknown sku, so clients see one kind of 404 for it. */
export class ProductNotFound extends DomainError {
  constructor() {
    super(Problems.UnknownProduct, 'No such product.');
  }
}
