import { topicName, Topics } from '@orders/events';
import { createKafka, listDeadLetters } from '@orders/platform-messaging';
import { expectConfirmedOnce, metricSum, orderEventsPartitionOf, refuseReservationsOf } from '../support/batch-checks';
import { TestSystem } from '../support/system';
import { eventually } from '../support/wait';

/**
 * A lane batch is one unit of work (one transaction): these tests make sure that one bad
 * message in it costs only itself. The inventory service is stopped while the orders are
 * placed, so that on restart each partition's backlog is fetched, and handled, together.
 */
describe('one bad message in a batch', () => {
  let system: TestSystem;
  let userCount = 0;

  beforeAll(async () => {
    system = await TestSystem.start();
    await system.createProduct({ sku: 'BATCH-MUG', priceCents: 500, initialStock: 100 });
    await system.createProduct({ sku: 'BATCH-POISON', priceCents: 500, initialStock: 10 });
  });

  afterAll(async () => {
    await system?.stop();
  });

  const place = async (sku: string): Promise<string> => {
    const response = await system.placeOrder(`batch-user-${++userCount}`, { items: [{ sku, quantity: 1 }], paymentMethod: 'pm_card_ok' });
    expect(response.status).toBe(202);
    return response.body.id;
  };

  /** The poison order, and good orders of which at least three share its partition. */
  async function placeOrders(): Promise<{ poison: string; good: string[]; neighbours: string[] }> {
    const poison = await place('BATCH-POISON');
    const good: string[] = [];
    while (good.filter((id) => orderEventsPartitionOf(id) === orderEventsPartitionOf(poison)).length < 3) good.push(await place('BATCH-MUG'));
    await system.recorder.waitFor(() => [poison, ...good].every((id) => system.recorder.typesOf(id).includes('OrderCreated')));
    return { poison, good, neighbours: good.filter((id) => orderEventsPartitionOf(id) === orderEventsPartitionOf(poison)) };
  }

  it('dead-letters the poison alone; the duplicate changes nothing; every good order completes once', async () => {
    const liftPoison = await refuseReservationsOf(system, 'BATCH-POISON');
    const splitsBefore = await metricSum('kafka_unit_of_work_splits_total', { service: 'inventory-service' });
    const duplicatesBefore = await metricSum('events_duplicate_total', { service: 'inventory-service', event_type: 'OrderCreated' });

    await system.stopInventory();
    const { poison, good, neighbours } = await placeOrders();
    // The duplicate: a neighbour's OrderCreated once more, same event id, same key (same partition).
    const original = system.recorder.of(neighbours[0]).find((event) => event.envelope.eventType === 'OrderCreated')!;
    const producer = createKafka('batch-duplicate', system.brokers).producer();
    await producer.connect();
    await producer.send({
      topic: topicName(Topics.OrderEvents, system.prefix),
      acks: -1,
      messages: [{ key: original.key, value: JSON.stringify(original.envelope) }],
    });
    await producer.disconnect();
    await system.startInventory();

    await expectConfirmedOnce(system, good, 60_000);
    const letters = await eventually(
      () => listDeadLetters(system.brokers, system.prefix, Topics.OrderEvents),
      (found) => found.some((letter) => letter.key === poison),
    );
    expect(letters.map((letter) => ({ key: letter.key, consumer: letter.consumer }))).toEqual([{ key: poison, consumer: 'inventory-service' }]);
    expect(letters[0].error).toContain('ledger refuses sku BATCH-POISON');
    const { rows } = await system.db.query('SELECT status FROM gateway.orders WHERE id = $1', [poison]);
    expect(rows).toEqual([{ status: 'CREATED' }]); // parked in the DLQ, for an operator to re-drive

    // The poison shared a unit with good orders (the unit was split), and the duplicate was seen and skipped.
    expect((await metricSum('kafka_unit_of_work_splits_total', { service: 'inventory-service' })) - splitsBefore).toBeGreaterThan(0);
    expect((await metricSum('events_duplicate_total', { service: 'inventory-service', event_type: 'OrderCreated' })) - duplicatesBefore).toBe(1);
    await system.waitUntilQuiet();
    expect(await system.stock('BATCH-MUG')).toEqual({ available: 100 - good.length, reserved: 0, sold: good.length, adjusted: 0 });
    await liftPoison();
  }, 120_000);

  it('commits the rest of a set-based batch when one order of it keeps failing', async () => {
    const splitsBefore = await metricSum('kafka_unit_of_work_splits_total', { service: 'order-gateway' });
    await system.stopInventory();
    const { poison, good, neighbours } = await placeOrders();
    // The gateway moves a batch of orders with one UPDATE; this one order's row refuses every move.
    await system.db.query(`
      CREATE FUNCTION gateway.refuse_order() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'order % is locked by an operator', NEW.id; END $$;
      CREATE TRIGGER refuse_order BEFORE UPDATE ON gateway.orders
        FOR EACH ROW WHEN (NEW.id = '${poison}') EXECUTE FUNCTION gateway.refuse_order();`);
    // Inventory reserves the backlog in units and emits each unit's OrderReserved in one outbox
    // insert: the poison's and its neighbours' reach the gateway together.
    await system.startInventory();

    await expectConfirmedOnce(system, good, 60_000);
    const letters = await eventually(
      () => listDeadLetters(system.brokers, system.prefix, Topics.InventoryEvents),
      (found) => found.some((letter) => letter.key === poison),
    );
    expect(letters.map((letter) => ({ key: letter.key, consumer: letter.consumer }))).toEqual([{ key: poison, consumer: 'order-gateway' }]);
    expect(letters[0].error).toContain('locked by an operator');
    expect(neighbours.length).toBeGreaterThanOrEqual(3);
    expect((await metricSum('kafka_unit_of_work_splits_total', { service: 'order-gateway' })) - splitsBefore).toBeGreaterThan(0);
    await system.db.query('DROP TRIGGER refuse_order ON gateway.orders');
  }, 120_000);
});
