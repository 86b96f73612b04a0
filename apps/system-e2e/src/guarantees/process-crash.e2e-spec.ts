import { TestSystem } from '../support/system';

/**
 * No loss across crashes: each service, as its own OS process, is killed with SIGKILL
 * (no shutdown hook, nothing flushed) while orders are in flight, then started again.
 * Every accepted order still reaches a terminal status, no effect happens twice, and
 * stock is conserved.
 */
describe('a service killed mid-flow (SIGKILL) and restarted', () => {
  let system: TestSystem;
  const accepted: Array<{ id: string; method: string }> = [];
  let userCount = 0;

  beforeAll(async () => {
    system = await TestSystem.start({
      processes: true,
      // Charges take a while, so kills land while payments are in flight; a lost charge
      // is picked up again once its lease (provider timeout + 5 s) expires.
      payment: { PAYMENT_DELAY_MIN_MS: '100', PAYMENT_DELAY_MAX_MS: '400', PAYMENT_PROVIDER_TIMEOUT_MS: '1000' },
      // A restart waits for the dead member's Kafka session to expire; keep the payment
      // timeout out of the way so each order's outcome is its payment method's.
      gateway: { ORDER_PAYMENT_TIMEOUT_MS: '300000' },
    });
    await system.createProduct({ sku: 'CRASH-BOX', priceCents: 300, initialStock: 200 });
  }, 90_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  async function placeBatch(count: number): Promise<void> {
    const methods = Array.from({ length: count }, (_, index) => (index % 5 === 4 ? 'pm_card_declined' : 'pm_card_ok'));
    const responses = await Promise.all(
      methods.map((method) => system.placeOrder(`crash-user-${++userCount}`, { items: [{ sku: 'CRASH-BOX', quantity: 1 }], paymentMethod: method })),
    );
    responses.forEach((response, index) => {
      expect(response.status).toBe(202);
      accepted.push({ id: response.body.id, method: methods[index] });
    });
  }

  it('survives inventory, payment and gateway crashes with every order terminal and nothing doubled', async () => {
    for (const service of ['inventory-service', 'payment-service', 'order-gateway'] as const) {
      await placeBatch(10);
      await system.process(service).kill('SIGKILL');
      if (service !== 'order-gateway') await placeBatch(5); // the gateway keeps accepting while a downstream service is dead
      await system.process(service).start();
    }
    await placeBatch(5);

    const orders = await system.waitForTerminal(
      accepted.map((order) => order.id),
      120_000,
    );
    const byId = new Map(orders.map((order) => [order.id, order]));
    for (const { id, method } of accepted) {
      const steps = byId.get(id)!.history.map((step) => step.status);
      expect(steps).toEqual(method === 'pm_card_ok' ? ['CREATED', 'RESERVED', 'PAID', 'CONFIRMED'] : ['CREATED', 'RESERVED', 'CANCELLED']);
    }

    await system.waitUntilQuiet(60_000);
    const confirmed = accepted.filter((order) => order.method === 'pm_card_ok').length;
    expect(await system.stock('CRASH-BOX')).toEqual({ available: 200 - confirmed, reserved: 0, sold: confirmed, adjusted: 0 });
    const { rows: doubled } = await system.db.query('SELECT order_id FROM payment.payments GROUP BY order_id HAVING count(*) > 1');
    expect(doubled).toEqual([]);
    const { rows: charged } = await system.db.query(`SELECT count(*)::int AS count FROM payment.payments WHERE status = 'SUCCEEDED'`);
    expect(charged[0].count).toBe(confirmed);
    await system.assertStockConserved();
    console.log(`process-crash: ${accepted.length} orders placed, ${orders.length} terminal, ${confirmed} confirmed, duplicates 0, stock delta 0`);
  }, 240_000);

  it('drains on SIGTERM: stops consuming, flushes its outbox, and the saga completes after restart', async () => {
    const before = accepted.length;
    await placeBatch(10);
    const payment = system.process('payment-service');
    await payment.kill('SIGTERM');
    expect(payment.readLog()).toContain('stopped consuming and flushed the outbox');
    await placeBatch(5);
    await payment.start();

    const orders = await system.waitForTerminal(
      accepted.slice(before).map((order) => order.id),
      120_000,
    );
    expect(orders).toHaveLength(15);
    await system.waitUntilQuiet(60_000);
    await system.assertStockConserved();
  }, 240_000);
});
