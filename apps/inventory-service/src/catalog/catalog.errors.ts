import { DomainError } from '@orders/platform';

export class ProductAlreadyExists extends DomainError {
  constructor(sku: string) {
    super('conflict', 'product-exists', `A product with sku ${sku} already exists.`);
  }
}

export class UnknownProduct extends DomainError {
  constructor(sku: string) {
    super('not_found', 'unknown-product', `Product ${sku} was not found.`);
  }
}

export class StockWouldGoNegative extends DomainError {
  constructor(sku: string, available: number, delta: number) {
    super('conflict', 'insufficient-stock', `Adjusting ${sku} by ${delta} would make available stock negative (available: ${available}).`);
  }
}
