import { Inject, Injectable } from '@nestjs/common';
import { ProductChangedV1 } from '@orders/events';
import { DomainError, Problems, upstreamPath } from '@orders/platform-http';
import { SERVICE_CONFIG } from '@orders/platform-service';
import { GatewayConfig } from '../config/gateway.config';

export class InventoryUnavailable extends DomainError {
  constructor() {
    super(Problems.InventoryUnavailable, 'The inventory service is not reachable; retry shortly.', undefined, { 'Retry-After': '1' });
  }
}

/** Inventory answered an error it should not have (a 5xx other than 503): no promise that a retry helps. */
export class InventoryFailed extends DomainError {
  constructor() {
    super(Problems.InventoryFailed, 'The inventory service failed to handle the request.');
  }
}

export interface ForwardedResponse {
  status: number;
  contentType: string;
  body: string;
}

const TIMEOUT_MS = 5_000;

/** HTTP client of inventory-service's admin API (the gateway is the only public door). */
@Injectable()
export class InventoryClient {
  private readonly baseUrl: string;

  constructor(@Inject(SERVICE_CONFIG) config: GatewayConfig) {
    this.baseUrl = config.INVENTORY_URL.replace(/\/$/, '');
  }

  async forward(method: string, path: string, authorization: string | undefined, body?: unknown, requestId?: string): Promise<ForwardedResponse> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          ...(authorization ? { authorization } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(requestId ? { 'x-request-id': requestId } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch {
      throw new InventoryUnavailable();
    }
    // 503 is inventory's own "temporarily unable, retry" (a dependency away); any other 5xx is
    // a failure a retry need not fix, so it is not dressed up as unavailability.
    if (response.status === 503) throw new InventoryUnavailable();
    if (response.status >= 500) throw new InventoryFailed();
    return { status: response.status, contentType: response.headers.get('content-type') ?? 'application/json', body: await response.text() };
  }

  async snapshot(sku: string, authorization: string | undefined): Promise<ProductChangedV1 | null> {
    const response = await this.forward('GET', upstreamPath`/internal/catalog/${sku}`, authorization);
    return response.status === 200 ? (JSON.parse(response.body) as ProductChangedV1) : null;
  }
}
