import { TOPIC_PARTITIONS, Topics } from '@orders/events';
import { Partitioners, PartitionMetadata } from 'kafkajs';
import { register } from 'prom-client';
import { TestSystem } from './system';

/** A metric's value summed over the samples whose labels match (prom-client's shared registry: every app of the test process). */
export async function metricSum(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = register.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value)).reduce((sum, sample) => sum + sample.value, 0);
}

/** The partition of orders.events the relay's producer (murmur2, like the Java client) puts a key on. */
export const orderEventsPartitionOf = (() => {
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

/** Every order went CREATED > RESERVED > PAID > CONFIRMED, with one reservation and one successful payment each. */
export async function expectConfirmedOnce(system: TestSystem, orderIds: string[], timeoutMs: number): Promise<void> {
  const orders = await system.waitForTerminal(orderIds, timeoutMs);
  for (const order of orders)
    expect({ id: order.id, steps: order.history.map((step) => step.status) }).toEqual({ id: order.id, steps: ['CREATED', 'RESERVED', 'PAID', 'CONFIRMED'] });
  const { rows } = await system.db.query(
    `SELECT (SELECT count(*)::int FROM inventory.reservations WHERE order_id = ANY($1::uuid[])) AS reservations,
            (SELECT count(*)::int FROM payment.payments WHERE order_id = ANY($1::uuid[]) AND status = 'SUCCEEDED') AS payments`,
    [orderIds],
  );
  expect(rows[0]).toEqual({ reservations: orderIds.length, payments: orderIds.length });
}

/**
 * A poison: inventory's ledger refuses every reservation of `sku` (a valid event whose effect
 * fails every time). Returns what lifts it.
 */
export async function refuseReservationsOf(system: TestSystem, sku: string): Promise<() => Promise<void>> {
  await system.db.query(`
    CREATE FUNCTION inventory.refuse_sku() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'ledger refuses sku %', NEW.sku; END $$;
    CREATE TRIGGER refuse_sku BEFORE INSERT ON inventory.reservations
      FOR EACH ROW WHEN (NEW.sku = '${sku}') EXECUTE FUNCTION inventory.refuse_sku();`);
  return async () => {
    await system.db.query('DROP TRIGGER refuse_sku ON inventory.reservations; DROP FUNCTION inventory.refuse_sku()');
  };
}
