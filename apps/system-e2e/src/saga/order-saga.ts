import { TestSystem } from '../support/system';

/**
 * The walking skeleton's promise: one order saga by choreography over real Kafka, on real
 * PostgreSQL and Redis. Declared once, run against the services in this process
 * (order-saga.e2e-spec.ts) and as containers from their images (deployment/containers.e2e-spec.ts).
 * Returns the running system for further tests in the same describe block.
 */
export function orderSagaScenarios(start: () => Promise<TestSystem>, startTimeoutMs = 60_000): () => TestSystem {
  let system: TestSystem;
  let orderCount = 0;

  beforeAll(async () => {
    system = await start();
    await system.createProduct({ sku: 'SAGA-SHIRT', priceCents: 1299, initialStock: 10 });
    await system.createProduct({ sku: 'SAGA-MUG', priceCents: 800, initialStock: 5 });
    await system.createProduct({ sku: 'SAGA-CAP', priceCents: 1500, initialStock: 1 });
  }, startTimeoutMs);

  afterEach(async () => {
    if (!system) return; // the start failed: beforeAll reported why
    await system.waitUntilQuiet();
    await system.assertStockConserved();
  });

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  function placeOrder(userId: string, body: object) {
    orderCount += 1;
    return system
      .http()
      .post('/orders')
      .set('authorization', `Bearer ${system.token(userId)}`)
      .set('idempotency-key', `saga-${orderCount}`)
      .set('prefer', 'wait=20')
      .send(body);
  }

  /** updatedAt is the time of the last status change, on the same clock as history[].at. */
  function expectOneClock(order: { history: Array<{ at: string }>; updatedAt: string }) {
    expect(order.updatedAt).toBe(order.history[order.history.length - 1].at);
  }

  it('confirms a paid order: CREATED > RESERVED > PAID > CONFIRMED, stock moved to sold', async () => {
    const before = await system.stock('SAGA-SHIRT');

    const response = await placeOrder('alice', { items: [{ sku: 'SAGA-SHIRT', quantity: 2 }], paymentMethod: 'pm_card_ok' });

    expect(response.status).toBe(202);
    expect(response.headers.location).toBe(`/orders/${response.body.id}`);
    expect(response.headers['preference-applied']).toBe('wait=20');
    expect(response.body).toMatchObject({
      userId: 'alice',
      status: 'CONFIRMED',
      items: [{ sku: 'SAGA-SHIRT', quantity: 2, unitPriceCents: 1299 }],
      totalCents: 2598,
      currency: 'USD',
      cancelReason: null,
    });
    expect(response.body.history.map((step: { status: string }) => step.status)).toEqual(['CREATED', 'RESERVED', 'PAID', 'CONFIRMED']);
    expectOneClock(response.body);

    const after = await system.stock('SAGA-SHIRT');
    expect(after).toEqual({ ...before, available: before.available - 2, sold: before.sold + 2 });
    const { rows: reservations } = await system.db.query('SELECT sku, quantity, state FROM inventory.reservations WHERE order_id = $1', [response.body.id]);
    expect(reservations).toEqual([{ sku: 'SAGA-SHIRT', quantity: 2, state: 'COMMITTED' }]);
    const { rows: payments } = await system.db.query('SELECT status, amount_cents FROM payment.payments WHERE order_id = $1', [response.body.id]);
    expect(payments).toEqual([{ status: 'SUCCEEDED', amount_cents: '2598' }]);

    // The recorder reads several topics, so it may see OrderConfirmed before the StockCommitted that
    // caused it: wait for every type, and fail only if one never comes.
    const sagaTypes = ['OrderCreated', 'OrderReserved', 'PaymentSuccess', 'OrderPaid', 'StockCommitted', 'OrderConfirmed'];
    await system.recorder.waitFor(() => sagaTypes.every((type) => system.recorder.typesOf(response.body.id).includes(type))).catch(() => undefined);
    expect(system.recorder.typesOf(response.body.id)).toEqual(expect.arrayContaining(sagaTypes));
    // Every saga message is keyed by its order id (one partition, in order, per order).
    expect(system.recorder.of(response.body.id).every((event) => event.key === response.body.id)).toBe(true);
  });

  it('cancels a declined payment with PAYMENT_FAILED and restores the stock', async () => {
    const before = await system.stock('SAGA-SHIRT');

    const response = await placeOrder('bob', { items: [{ sku: 'SAGA-SHIRT', quantity: 3 }], paymentMethod: 'pm_card_declined' });

    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ status: 'CANCELLED', cancelReason: 'PAYMENT_FAILED' });
    expect(response.body.history.map((step: { status: string }) => step.status)).toEqual(['CREATED', 'RESERVED', 'CANCELLED']);
    expectOneClock(response.body);
    await system.waitUntilQuiet();
    expect(await system.stock('SAGA-SHIRT')).toEqual(before);
    const { rows } = await system.db.query('SELECT state FROM inventory.reservations WHERE order_id = $1', [response.body.id]);
    expect(rows).toEqual([{ state: 'RELEASED' }]);
  });

  it('cancels an order for more than the stock with OUT_OF_STOCK and reserves nothing', async () => {
    const before = await system.stock('SAGA-MUG');

    const response = await placeOrder('carol', { items: [{ sku: 'SAGA-MUG', quantity: 6 }], paymentMethod: 'pm_card_ok' });

    expect(response.body).toMatchObject({ status: 'CANCELLED', cancelReason: 'OUT_OF_STOCK' });
    expect(response.body.history.map((step: { status: string }) => step.status)).toEqual(['CREATED', 'CANCELLED']);
    expect(await system.stock('SAGA-MUG')).toEqual(before);
    const { rows } = await system.db.query('SELECT count(*)::int AS count FROM inventory.reservations WHERE order_id = $1', [response.body.id]);
    expect(rows[0].count).toBe(0);
    const { rows: payments } = await system.db.query(`SELECT count(*)::int AS count FROM payment.payments WHERE order_id = $1 AND status <> 'CANCELLED'`, [
      response.body.id,
    ]);
    expect(payments[0].count).toBe(0);
  });

  it('reserves nothing when only one of several items is short', async () => {
    const before = { shirt: await system.stock('SAGA-SHIRT'), mug: await system.stock('SAGA-MUG'), cap: await system.stock('SAGA-CAP') };

    const response = await placeOrder('dave', {
      items: [
        { sku: 'SAGA-SHIRT', quantity: 1 },
        { sku: 'SAGA-MUG', quantity: 1 },
        { sku: 'SAGA-CAP', quantity: 2 },
      ],
      paymentMethod: 'pm_card_ok',
    });

    expect(response.body).toMatchObject({ status: 'CANCELLED', cancelReason: 'OUT_OF_STOCK' });
    expect({ shirt: await system.stock('SAGA-SHIRT'), mug: await system.stock('SAGA-MUG'), cap: await system.stock('SAGA-CAP') }).toEqual(before);
    await system.recorder.waitFor(() => system.recorder.typesOf(response.body.id).includes('InventoryReservationFailed'));
    const failure = system.recorder.of(response.body.id).find((event) => event.envelope.eventType === 'InventoryReservationFailed');
    expect(failure?.envelope.payload).toEqual({ reason: 'OUT_OF_STOCK', shortages: [{ sku: 'SAGA-CAP', requested: 2, available: 1 }] });
  });

  it('serves the product and the durable stock view through the gateway', async () => {
    const product = await system.http().get('/products/SAGA-CAP');
    expect(product.status).toBe(200);
    expect(product.body).toEqual({ sku: 'SAGA-CAP', name: 'Product SAGA-CAP', priceCents: 1500, currency: 'USD', available: 1 });

    const stock = await system.http().get('/admin/inventory/SAGA-CAP').set('authorization', `Bearer ${system.adminToken()}`);
    expect(stock.status).toBe(200);
    expect(stock.body).toEqual({ sku: 'SAGA-CAP', available: 1, reserved: 0, sold: 0 });
  });

  return () => system;
}
