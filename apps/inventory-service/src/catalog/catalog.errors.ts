import { DomainError, Problems } from '@orders/platform-http';

export class ProductAlreadyExists extends DomainError {
  constructor(sku: string) {
    super(Problems.ProductExists, `A product with sku ${sku} already exists.`);
  }
}

export class UnknownProduct extends DomainError {
  constructor(sku: string) {
    super(Problems.UnknownProduct, `Product ${sku} was not found.`);
  }
}

export class StockWouldGoNegative extends DomainError {
  constructor(sku: string, available: number, delta: number) {
    super(Problems.InsufficientStock, `Adjusting ${sku} by ${delta} would make available stock negative (available: ${available}).`);
  }
}

/**
 * The most units a sku may hold in all (available + reserved + sold): far beyond any real
 * stock, well inside the integer columns (2^31 - 1) that hold each figure.
 */
export const MAX_STOCK = 1_000_000_000;

export class StockLimitExceeded extends DomainError {
  constructor(sku: string, total: number, delta: number) {
    super(Problems.StockLimitExceeded, `Adjusting ${sku} by ${delta} would hold more than ${MAX_STOCK} units in all (now: ${total}).`);
  }
}
