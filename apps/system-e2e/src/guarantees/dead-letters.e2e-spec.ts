import { createEvent, EventEnvelope, EventHeaders, topicName, Topics } from '@orders/events';
import { createKafka, listDeadLetters, redriveDeadLetters } from '@orders/platform-messaging';
import { Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { TestSystem } from '../support/system';
import { eventually } from '../support/wait';

/**
 * A message that can never be processed goes to the topic's dead-letter twin with the
 * reason and its original headers, and the partition keeps moving: the next valid
 * message with the same key (same partition) is still processed.
 */
describe('poison messages and dead-letter topics', () => {
  let system: TestSystem;
  let producer: Producer;

  beforeAll(async () => {
    system = await TestSystem.start();
    producer = createKafka('dlq-test', system.brokers).producer();
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await system?.stop();
  });

  async function publish(topic: string, key: string, value: string, headers: Record<string, string> = {}) {
    await producer.send({ topic: topicName(topic, system.prefix), acks: -1, messages: [{ key, value, headers }] });
  }

  const publishEvent = (topic: string, key: string, event: EventEnvelope) =>
    publish(topic, key, JSON.stringify(event), { [EventHeaders.EventId]: event.eventId, [EventHeaders.EventType]: event.eventType });

  const inboxHas = (schema: string, eventId: string) => async () =>
    (await system.db.query(`SELECT count(*)::int AS count FROM ${schema}.processed_events WHERE event_id = $1`, [eventId])).rows[0].count as number;

  const consumersOf = (letters: Array<{ consumer: string; key: string | null }>, key: string) =>
    letters
      .filter((letter) => letter.key === key)
      .map((letter) => letter.consumer)
      .sort();

  it('dead-letters garbage on orders.events (both consumers) and still processes the next event of that order', async () => {
    const orderId = randomUUID();
    await publish(Topics.OrderEvents, orderId, '{not json', { 'x-trace-me': 'yes' });
    const cancelled = createEvent('OrderCancelled', { orderId, payload: { reason: 'USER_CANCELLED' } });
    await publishEvent(Topics.OrderEvents, orderId, cancelled);

    await eventually(inboxHas('inventory', cancelled.eventId), (count) => count === 1);
    await eventually(inboxHas('payment', cancelled.eventId), (count) => count === 1);
    const { rows } = await system.db.query('SELECT status FROM payment.payments WHERE order_id = $1', [orderId]);
    expect(rows).toEqual([{ status: 'CANCELLED' }]);

    const letters = await eventually(
      () => listDeadLetters(system.brokers, system.prefix, Topics.OrderEvents),
      (found) => consumersOf(found, orderId).length === 2,
    );
    expect(consumersOf(letters, orderId)).toEqual(['inventory-service', 'payment-service']);
    const letter = letters.find((found) => found.key === orderId)!;
    expect(letter.value).toBe('{not json');
    expect(letter.error).toContain('not JSON');
    expect(letter.sourceTopic).toBe(topicName(Topics.OrderEvents, system.prefix));
    expect(letter.headers['x-trace-me']).toBe('yes');
  });

  it('dead-letters an event that breaks the contract (wrong field type) without retrying forever; a consumer without a handler for its type skips it', async () => {
    const orderId = randomUUID();
    const bad = {
      ...createEvent('OrderCreated', {
        orderId,
        payload: { userId: 'u', items: [{ sku: 'X', quantity: 1, unitPriceCents: 1 }], totalCents: 1, currency: 'USD' },
      }),
    };
    (bad.payload.items[0] as { quantity: unknown }).quantity = 'two';
    await publish(Topics.OrderEvents, orderId, JSON.stringify(bad));
    // Same key, so same partition, after it: once payment has this one, it is past the bad one.
    const cancelled = createEvent('OrderCancelled', { orderId, payload: { reason: 'USER_CANCELLED' } });
    await publishEvent(Topics.OrderEvents, orderId, cancelled);
    await eventually(inboxHas('payment', cancelled.eventId), (count) => count === 1);

    const letters = await eventually(
      () => listDeadLetters(system.brokers, system.prefix, Topics.OrderEvents),
      (found) => consumersOf(found, orderId).length > 0,
    );
    // Inventory consumes OrderCreated and dead-letters it; payment does not, and skipped it unvalidated.
    expect(consumersOf(letters, orderId)).toEqual(['inventory-service']);
    expect(letters.find((found) => found.key === orderId)!.error).toContain('quantity');
  });

  it('dead-letters an event of a type the contract does not know, by every consumer of the topic', async () => {
    const orderId = randomUUID();
    const teleported = { ...createEvent('OrderCancelled', { orderId, payload: { reason: 'USER_CANCELLED' } }), eventType: 'OrderTeleported' };
    await publish(Topics.OrderEvents, orderId, JSON.stringify(teleported));
    const letters = await eventually(
      () => listDeadLetters(system.brokers, system.prefix, Topics.OrderEvents),
      (found) => consumersOf(found, orderId).length === 2,
    );
    expect(consumersOf(letters, orderId)).toEqual(['inventory-service', 'payment-service']);
    expect(letters.find((found) => found.key === orderId)!.error).toBe('unknown event OrderTeleported v1');
  });

  it('dead-letters garbage on inventory.events and payments.events; the gateway keeps processing both', async () => {
    const reservationFailedFor = randomUUID();
    await publish(Topics.InventoryEvents, reservationFailedFor, 'null');
    const failed = createEvent('InventoryReservationFailed', { orderId: reservationFailedFor, payload: { reason: 'OUT_OF_STOCK', shortages: [] } });
    await publishEvent(Topics.InventoryEvents, reservationFailedFor, failed);

    const paymentFailedFor = randomUUID();
    await publish(Topics.PaymentEvents, paymentFailedFor, JSON.stringify({ eventType: 'PaymentFailed' }));
    const declined = createEvent('PaymentFailed', { orderId: paymentFailedFor, payload: { paymentId: 'p1', amountCents: 1, reason: 'card_declined' } });
    await publishEvent(Topics.PaymentEvents, paymentFailedFor, declined);

    await eventually(inboxHas('gateway', failed.eventId), (count) => count === 1);
    await eventually(inboxHas('gateway', declined.eventId), (count) => count === 1);
    const inventoryLetters = await eventually(
      () => listDeadLetters(system.brokers, system.prefix, Topics.InventoryEvents),
      (found) => consumersOf(found, reservationFailedFor).length === 2,
    );
    expect(consumersOf(inventoryLetters, reservationFailedFor)).toEqual(['order-gateway', 'payment-service']);
    const paymentLetters = await eventually(
      () => listDeadLetters(system.brokers, system.prefix, Topics.PaymentEvents),
      (found) => consumersOf(found, paymentFailedFor).length === 1,
    );
    expect(paymentLetters.find((found) => found.key === paymentFailedFor)!.consumer).toBe('order-gateway');
  });

  it('dead-letters garbage on catalog.events and still applies the next snapshot of that sku', async () => {
    await publish(Topics.CatalogEvents, 'DLQ-SKU', '\u0000\u0001binary');
    const snapshot = createEvent('ProductChanged', {
      orderId: null,
      payload: { sku: 'DLQ-SKU', name: 'Survivor', priceCents: 100, currency: 'USD', available: 7, revision: 1 },
    });
    await publishEvent(Topics.CatalogEvents, 'DLQ-SKU', snapshot);

    const product = await eventually(
      () => system.http().get('/products/DLQ-SKU'),
      (response) => response.status === 200,
    );
    expect(product.body).toMatchObject({ sku: 'DLQ-SKU', available: 7 });
    const letters = await eventually(
      () => listDeadLetters(system.brokers, system.prefix, Topics.CatalogEvents),
      (found) => consumersOf(found, 'DLQ-SKU').length === 1,
    );
    expect(letters[0].consumer).toBe('order-gateway');
  });

  it('re-drives dead letters to their source topic once, with their original key', async () => {
    const before = await listDeadLetters(system.brokers, system.prefix, Topics.CatalogEvents);
    expect(await redriveDeadLetters(system.brokers, system.prefix, Topics.CatalogEvents)).toBe(before.length);
    // Still garbage: each re-driven letter is dead-lettered again by its consumer.
    const after = await eventually(
      () => listDeadLetters(system.brokers, system.prefix, Topics.CatalogEvents),
      (found) => found.length === before.length * 2,
    );
    expect(after.slice(before.length).map((letter) => letter.key)).toEqual(before.map((letter) => letter.key));
    expect(await redriveDeadLetters(system.brokers, system.prefix, Topics.CatalogEvents)).toBe(before.length);
  });
});

/**
 * A handler that keeps failing on a valid event (here: a table inventory needs is gone) is
 * retried with backoff a bounded number of times, then dead-lettered with the real reason;
 * once the cause is fixed, the next order of the same partition flows again.
 */
describe('a handler that keeps failing', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start();
    await system.createProduct({ sku: 'BROKEN-FAN', initialStock: 5 });
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('is retried, then dead-lettered with its error; the partition keeps moving', async () => {
    await system.db.query('ALTER TABLE inventory.reservations RENAME TO reservations_away');
    let poisoned: string;
    try {
      const placed = await system.placeOrder('fran', { items: [{ sku: 'BROKEN-FAN', quantity: 1 }], paymentMethod: 'pm_card_ok' });
      poisoned = placed.body.id;
      const letters = await eventually(
        () => listDeadLetters(system.brokers, system.prefix, Topics.OrderEvents),
        (found) => found.some((letter) => letter.key === poisoned),
      );
      const letter = letters.find((found) => found.key === poisoned)!;
      expect(letter.consumer).toBe('inventory-service');
      expect(letter.error).toContain('reservations');
      expect(letter.headers['x-dlq-attempts']).toBe('5');
    } finally {
      await system.db.query('ALTER TABLE inventory.reservations_away RENAME TO reservations');
    }

    const next = await system.placeOrder('gina', { items: [{ sku: 'BROKEN-FAN', quantity: 1 }], paymentMethod: 'pm_card_ok' }, { prefer: 'wait=20' });
    expect(next.body.status).toBe('CONFIRMED');
    const { rows } = await system.db.query('SELECT status FROM gateway.orders WHERE id = $1', [poisoned!]);
    expect(rows).toEqual([{ status: 'CREATED' }]); // parked in the DLQ, for an operator to re-drive
  });
});
