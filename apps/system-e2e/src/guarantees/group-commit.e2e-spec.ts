import { TOPIC_PARTITIONS, Topics } from '@orders/events';
import { listDeadLetters } from '@orders/platform-messaging';
import { Partitioners, PartitionMetadata } from 'kafkajs';
import { register } from 'prom-client';
import { TestSystem } from '../support/system';
import { eventually } from '../support/wait';

/** A metric's value summed over the samples whose labels match (prom-client's shared registry). */
async function metricSum(name: string, labels: Record<string, string>): Promise<number> {
  const metric = register.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value)).reduce((sum, sample) => sum + sample.value, 0);
}

/** The partition the relay's producer (murmur2, like the Java client) puts a key on. */
const partitionOf = (() => {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: TOPIC_PARTITIONS[Topics.OrderEvents] }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
  }));
  return (key: string) => partitioner({ topic: 'any', partitionMetadata, message: { key, value: null } });
})();

/**
 * Group commit (issue 17): the units that several partition lanes have ready together (the
 * partition batches of one fetch) are applied in one transaction. If that transaction fails,
 * each lane's unit goes its own way as before: the poison is dead-lettered alone, its
 * neighbours on its partition and the other partitions' orders complete once.
 * The inventory service is stopped while the orders are placed, so that on restart the
 * partitions' backlogs come in one fetch, and their units in one combined transaction.
 */
describe('a poison message in a combined unit of several partitions', () => {
  let system: TestSystem;
  let userCount = 0;
  const service = 'inventory-service';

  beforeAll(async () => {
    system = await TestSystem.start();
    await system.createProduct({ sku: 'GC-MUG', priceCents: 500, initialStock: 100 });
    await system.createProduct({ sku: 'GC-POISON', priceCents: 500, initialStock: 10 });
  });

  afterAll(async () => {
    await system?.stop();
  });

  const place = async (sku: string): Promise<string> => {
    const response = await system.placeOrder(`group-user-${++userCount}`, { items: [{ sku, quantity: 1 }], paymentMethod: 'pm_card_ok' });
    expect(response.status).toBe(202);
    return response.body.id;
  };

  it('dead-letters the poison alone; its neighbours and the other partitions good orders complete once', async () => {
    await system.db.query(`
      CREATE FUNCTION inventory.refuse_group_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'ledger refuses sku %', NEW.sku; END $$;
      CREATE TRIGGER refuse_group_poison BEFORE INSERT ON inventory.reservations
        FOR EACH ROW WHEN (NEW.sku = 'GC-POISON') EXECUTE FUNCTION inventory.refuse_group_poison();`);
    const fallbacksBefore = await metricSum('kafka_group_commit_fallback_units_total', { service });
    const splitsBefore = await metricSum('kafka_unit_of_work_splits_total', { service });

    await system.stopInventory();
    // The poison and good orders on two partitions: at most as many lanes as the consumer
    // runs at once (3 in the tests), so the restarted consumer hands both to its lanes together.
    const poison = await place('GC-POISON');
    const good: string[] = [];
    do good.push(await place('GC-MUG'));
    while (partitionOf(good[good.length - 1]) === partitionOf(poison));
    const partitions = new Set([poison, ...good].map(partitionOf));
    expect(partitions.size).toBe(2);
    await system.recorder.waitFor(() => [poison, ...good].every((id) => system.recorder.typesOf(id).includes('OrderCreated')));
    await system.startInventory();

    const orders = await system.waitForTerminal(good, 60_000);
    for (const order of orders)
      expect({ id: order.id, steps: order.history.map((step) => step.status) }).toEqual({ id: order.id, steps: ['CREATED', 'RESERVED', 'PAID', 'CONFIRMED'] });
    const { rows } = await system.db.query(
      `SELECT (SELECT count(*)::int FROM inventory.reservations WHERE order_id = ANY($1::uuid[])) AS reservations,
              (SELECT count(*)::int FROM payment.payments WHERE order_id = ANY($1::uuid[]) AND status = 'SUCCEEDED') AS payments`,
      [good],
    );
    expect(rows[0]).toEqual({ reservations: good.length, payments: good.length });

    const letters = await eventually(
      () => listDeadLetters(system.brokers, system.prefix, Topics.OrderEvents),
      (found) => found.some((letter) => letter.key === poison),
    );
    expect(letters.map((letter) => ({ key: letter.key, consumer: letter.consumer }))).toEqual([{ key: poison, consumer: service }]);
    expect(letters[0].error).toContain('ledger refuses sku GC-POISON');
    const { rows: poisoned } = await system.db.query('SELECT status FROM gateway.orders WHERE id = $1', [poison]);
    expect(poisoned).toEqual([{ status: 'CREATED' }]);

    // The poison was in a combined transaction of both partitions, which failed: each of the
    // two lanes' units then went its own way (and, with neighbours on its partition, the
    // poison's lane unit was split).
    expect((await metricSum('kafka_group_commit_fallback_units_total', { service })) - fallbacksBefore).toBe(2);
    if (good.some((id) => partitionOf(id) === partitionOf(poison)))
      expect((await metricSum('kafka_unit_of_work_splits_total', { service })) - splitsBefore).toBeGreaterThan(0);
    await system.waitUntilQuiet();
    expect(await system.stock('GC-MUG')).toEqual({ available: 100 - good.length, reserved: 0, sold: good.length, adjusted: 0 });
    await system.db.query('DROP TRIGGER refuse_group_poison ON inventory.reservations');
  }, 180_000);
});
