import { randomUUID } from 'node:crypto';
import { createGatewayClient, GatewayClient } from '@orders/gateway-client';
import { TestSystem } from '../support/system';

/**
 * The typed client of libs/gateway-client (generated from the gateway's OpenAPI document) against
 * the real gateway: what a client team writes compiles against the contract and works on the wire.
 */
describe('typed gateway client', () => {
  let system: TestSystem;
  let client: GatewayClient;

  beforeAll(async () => {
    system = await TestSystem.start();
    await system.createProduct({ sku: 'CLIENT-1', priceCents: 1299, initialStock: 5 });
    client = createGatewayClient({ baseUrl: system.gatewayUrl, token: system.token('client-user') });
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('reads the catalog, places an order, reads and lists it', async () => {
    const product = await client.GET('/products/{sku}', { params: { path: { sku: 'CLIENT-1' } } });
    expect(product.data).toMatchObject({ sku: 'CLIENT-1', priceCents: 1299, currency: 'USD' });

    const placed = await client.POST('/orders', {
      params: { header: { 'Idempotency-Key': `client-${randomUUID()}`, Prefer: 'wait=20' } },
      body: { items: [{ sku: 'CLIENT-1', quantity: 2 }], paymentMethod: 'pm_card_ok' },
    });
    expect(placed.response.status).toBe(202);
    const order = placed.data!;
    expect(order).toMatchObject({
      userId: 'client-user',
      status: 'CONFIRMED',
      totalCents: 2598,
      items: [{ sku: 'CLIENT-1', quantity: 2, unitPriceCents: 1299 }],
    });
    expect(placed.response.headers.get('location')).toBe(`/orders/${order.id}`);

    const read = await client.GET('/orders/{id}', { params: { path: { id: order.id } } });
    expect(read.data?.history.map((change) => change.status)).toEqual(['CREATED', 'RESERVED', 'PAID', 'CONFIRMED']);
    const page = await client.GET('/orders', { params: { query: { status: 'CONFIRMED', limit: 10 } } });
    expect(page.data).toEqual({ items: [read.data], nextCursor: null });
    expect(await system.stock('CLIENT-1')).toMatchObject({ available: 3, reserved: 0, sold: 2 });
  });

  it('gives errors as typed problem details', async () => {
    const missing = await client.GET('/orders/{id}', { params: { path: { id: randomUUID() } } });
    expect(missing.response.status).toBe(404);
    expect(missing.error).toMatchObject({ status: 404, title: expect.any(String), instance: expect.stringMatching(/^\/orders\//) });

    const anonymous = createGatewayClient({ baseUrl: system.gatewayUrl });
    const refused = await anonymous.POST('/orders', {
      params: { header: { 'Idempotency-Key': 'anonymous-1' } },
      body: { items: [{ sku: 'CLIENT-1', quantity: 1 }] },
    });
    expect(refused.error).toMatchObject({ status: 401 });
    expect(await system.stock('CLIENT-1')).toMatchObject({ available: 3, reserved: 0 });
  });
});
