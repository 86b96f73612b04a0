import { PrivateKafka } from '../support/private-kafka';
import { TestSystem } from '../support/system';

/**
 * No loss: Kafka goes away while orders are being placed. Orders keep being accepted
 * (the outbox holds their events), and once the broker is back every order reaches a
 * terminal status, with no effect applied twice and stock conserved.
 */
describe('Kafka broker outage', () => {
  let kafka: PrivateKafka;
  let system: TestSystem;

  beforeAll(async () => {
    kafka = await PrivateKafka.start();
    system = await TestSystem.start({ brokers: kafka.bootstrap });
    await system.createProduct({ sku: 'OUTAGE-TEA', priceCents: 700, initialStock: 40 });
  }, 90_000);

  afterAll(async () => {
    await system?.stop();
    await kafka?.destroy();
  }, 90_000);

  it('accepts orders while the broker is down and completes all of them after it returns', async () => {
    const methods = (count: number, offset: number) =>
      Array.from({ length: count }, (_, index) => ((index + offset) % 4 === 0 ? 'pm_card_declined' : 'pm_card_ok'));
    const place = (method: string, index: number) =>
      system.placeOrder(`outage-user-${index}`, { items: [{ sku: 'OUTAGE-TEA', quantity: 2 }], paymentMethod: method });

    const beforeOutage = await Promise.all(methods(8, 0).map((method, index) => place(method, index)));
    await kafka.stop();
    const duringOutage = await Promise.all(methods(8, 8).map((method, index) => place(method, index + 8)));
    await kafka.restart();

    const accepted = [...beforeOutage, ...duringOutage];
    expect(accepted.map((response) => response.status)).toEqual(accepted.map(() => 202));
    const orders = await system.waitForTerminal(
      accepted.map((response) => response.body.id),
      120_000,
    );

    const expected = [...methods(8, 0), ...methods(8, 8)];
    const byId = new Map(orders.map((order) => [order.id, order]));
    accepted.forEach((response, index) => {
      const order = byId.get(response.body.id)!;
      if (expected[index] === 'pm_card_ok') {
        expect(order.history.map((step) => step.status)).toEqual(['CREATED', 'RESERVED', 'PAID', 'CONFIRMED']);
      } else {
        expect({ status: order.status, reason: order.cancel_reason }).toEqual({ status: 'CANCELLED', reason: 'PAYMENT_FAILED' });
        expect(order.history.map((step) => step.status)).toEqual(['CREATED', 'RESERVED', 'CANCELLED']);
      }
    });

    await system.waitUntilQuiet(60_000);
    const confirmed = expected.filter((method) => method === 'pm_card_ok').length;
    expect(await system.stock('OUTAGE-TEA')).toEqual({ available: 40 - 2 * confirmed, reserved: 0, sold: 2 * confirmed, adjusted: 0 });
    const { rows: payments } = await system.db.query('SELECT order_id, count(*)::int AS count FROM payment.payments GROUP BY order_id HAVING count(*) > 1');
    expect(payments).toEqual([]);
    // At-least-once delivery may repeat a message; never a second event of one kind for one order.
    for (const response of accepted) {
      const ids = new Map<string, Set<string>>();
      for (const event of system.recorder.of(response.body.id)) {
        ids.set(event.envelope.eventType, (ids.get(event.envelope.eventType) ?? new Set()).add(event.envelope.eventId));
      }
      expect([...ids.values()].every((set) => set.size === 1)).toBe(true);
    }
    await system.assertStockConserved();
    console.log(
      `kafka-outage: ${accepted.length} orders placed (${duringOutage.length} while the broker was down), ${orders.length} terminal, ${confirmed} confirmed, duplicates 0, stock delta 0`,
    );
  }, 240_000);
});
