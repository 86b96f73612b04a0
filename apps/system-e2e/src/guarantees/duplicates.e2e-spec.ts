import { Events, topicName } from '@orders/events';
import { createKafka } from '@orders/platform-messaging';
import { metricSum } from '../support/batch-checks';
import { TestSystem } from '../support/system';

const duplicatesSkipped = () => metricSum('events_duplicate_total');

/**
 * Exactly-once effects: the same events delivered again — in order, and an old one
 * replayed after newer ones — change no row, no stock and publish nothing.
 */
describe('redelivered and replayed events', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start();
    await system.createProduct({ sku: 'DUP-BOOK', priceCents: 2500, initialStock: 10 });
  });

  afterAll(async () => {
    await system?.stop();
  });

  async function snapshot(orderId: string) {
    const query = async (sql: string) => (await system.db.query(sql, [orderId])).rows;
    return {
      stock: await system.stock('DUP-BOOK'),
      order: await query('SELECT status, cancel_reason, history, updated_at FROM gateway.orders WHERE id = $1'),
      reservations: await query('SELECT sku, quantity, state, updated_at FROM inventory.reservations WHERE order_id = $1 ORDER BY sku'),
      payments: await query('SELECT id, status, provider_tx_id, updated_at FROM payment.payments WHERE order_id = $1'),
      events: system.recorder.of(orderId).length,
    };
  }

  it('changes nothing when every event of a confirmed order is delivered again, then the first one once more', async () => {
    const placed = await system.placeOrder('dora', { items: [{ sku: 'DUP-BOOK', quantity: 3 }], paymentMethod: 'pm_card_ok' }, { prefer: 'wait=20' });
    expect(placed.body.status).toBe('CONFIRMED');
    const orderId = placed.body.id;
    await system.recorder.waitFor(() => system.recorder.typesOf(orderId).includes('OrderConfirmed'));
    await system.waitUntilQuiet();
    const before = await snapshot(orderId);
    const published = system.recorder.of(orderId);

    // Every published event again, same ids, same keys, in order; then OrderCreated after the newer ones.
    const replay = [...published, published.find((event) => event.envelope.eventType === 'OrderCreated')!];
    const expectedSkips = replay.reduce((sum, event) => {
      const definition = Object.values(Events).find((candidate) => candidate.type === event.envelope.eventType)!;
      return sum + definition.consumers.length;
    }, 0);
    const skippedBefore = await duplicatesSkipped();

    const producer = createKafka('replay', system.brokers).producer();
    await producer.connect();
    for (const event of replay) {
      await producer.send({ topic: topicName(event.topic, system.prefix), acks: -1, messages: [{ key: event.key, value: JSON.stringify(event.envelope) }] });
    }
    await producer.disconnect();

    const deadline = Date.now() + 30_000;
    while ((await duplicatesSkipped()) - skippedBefore < expectedSkips) {
      if (Date.now() > deadline) throw new Error(`only ${(await duplicatesSkipped()) - skippedBefore} of ${expectedSkips} duplicates seen`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await duplicatesSkipped()) - skippedBefore).toBe(expectedSkips);
    await system.waitUntilQuiet();

    const after = await snapshot(orderId);
    expect(after).toEqual({ ...before, events: before.events + replay.length });
    // The only new messages for the order are the replayed ones: nothing was published in reaction.
    // (Kafka orders messages per partition only, so compare as sorted lists.)
    const seenAgain = system.recorder
      .of(orderId)
      .slice(before.events)
      .map((event) => event.envelope.eventId);
    expect(seenAgain.sort()).toEqual(replay.map((event) => event.envelope.eventId).sort());
    await system.assertStockConserved();
  });
});
