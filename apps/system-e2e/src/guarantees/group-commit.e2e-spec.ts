import { TOPIC_PARTITIONS, Topics } from '@orders/events';
import { listDeadLetters } from '@orders/platform-messaging';
import { expectConfirmedOnce, metricSum, orderEventsPartitionOf, refuseReservationsOf } from '../support/batch-checks';
import { TestSystem } from '../support/system';
import { eventually, waitUntil } from '../support/wait';

/**
 * Group commit (issue 17): the units that several partition lanes have ready together (the
 * partition batches of one fetch) are applied in one transaction. If that transaction fails,
 * each lane's unit goes its own way as before: each poison is dead-lettered alone, the good
 * orders of every partition complete once.
 *
 * How a combined unit with a poison in it is made certain: every partition gets a poison; the
 * inventory (one group-commit transaction at a time, 3 lanes at once) starts while the test holds
 * its stock-moves lock, so its first transaction waits on it; the lock is released once all three
 * lanes hold a unit (committing or waiting). Then either the first transaction took two or more
 * lanes, or the two that wait go together in the next one: a combined unit, with a poison in it.
 */
describe('poison messages in a combined unit of several partitions', () => {
  let system: TestSystem;
  let userCount = 0;
  const service = 'inventory-service';

  beforeAll(async () => {
    system = await TestSystem.start({ inventory: { KAFKA_GROUP_COMMIT_IN_FLIGHT: '1', KAFKA_PARTITIONS_CONCURRENTLY: '3' } });
    await system.createProduct({ sku: 'GC-MUG', priceCents: 500, initialStock: 100 });
    await system.createProduct({ sku: 'GC-POISON', priceCents: 500, initialStock: 100 });
  });

  afterAll(async () => {
    await system?.stop();
  });

  const place = async (sku: string): Promise<string> => {
    const response = await system.placeOrder(`group-user-${++userCount}`, { items: [{ sku, quantity: 1 }], paymentMethod: 'pm_card_ok' });
    expect(response.status).toBe(202);
    return response.body.id;
  };

  const unitsInGroupCommit = async () =>
    (await metricSum('kafka_group_commit_units', { service, state: 'waiting' })) +
    (await metricSum('kafka_group_commit_units', { service, state: 'committing' }));

  it('dead-letters each poison alone; the good orders of every partition complete once', async () => {
    const liftPoison = await refuseReservationsOf(system, 'GC-POISON');
    const fallbacksBefore = await metricSum('kafka_group_commit_fallback_units_total', { service });

    await system.stopInventory();
    const poisons: string[] = [];
    const partitionCount = TOPIC_PARTITIONS[Topics.OrderEvents];
    while (new Set(poisons.map(orderEventsPartitionOf)).size < partitionCount) poisons.push(await place('GC-POISON'));
    const good: string[] = [];
    for (let i = 0; i < 6; i++) good.push(await place('GC-MUG'));
    await system.recorder.waitFor(() => [...poisons, ...good].every((id) => system.recorder.typesOf(id).includes('OrderCreated')));

    const lock = await system.db.connect();
    try {
      await lock.query('BEGIN');
      await lock.query("SELECT pg_advisory_xact_lock(hashtext('inventory.stock-moves'))");
      await system.startInventory();
      await waitUntil(async () => (await unitsInGroupCommit()) >= 3, 60_000);
      await lock.query('COMMIT');
    } finally {
      await lock.query('ROLLBACK').catch(() => undefined);
      lock.release();
    }

    await expectConfirmedOnce(system, good, 120_000);

    const byKey = (a: { key: string | null }, b: { key: string | null }) => String(a.key).localeCompare(String(b.key));
    const letters = await eventually(
      () => listDeadLetters(system.brokers, system.prefix, Topics.OrderEvents),
      (found) => poisons.every((id) => found.some((letter) => letter.key === id)),
      120_000,
    );
    expect(letters.map((letter) => ({ key: letter.key, consumer: letter.consumer })).sort(byKey)).toEqual(
      poisons.map((key) => ({ key, consumer: service })).sort(byKey),
    );
    for (const letter of letters) expect(letter.error).toContain('ledger refuses sku GC-POISON');
    const { rows: poisoned } = await system.db.query('SELECT status FROM gateway.orders WHERE id = ANY($1::uuid[])', [poisons]);
    expect(poisoned).toEqual(poisons.map(() => ({ status: 'CREATED' })));

    // A combined transaction (two lanes or more) failed, and each of its lanes' units went its own way.
    expect((await metricSum('kafka_group_commit_fallback_units_total', { service })) - fallbacksBefore).toBeGreaterThanOrEqual(2);
    await system.waitUntilQuiet();
    expect(await system.stock('GC-MUG')).toEqual({ available: 100 - good.length, reserved: 0, sold: good.length, adjusted: 0 });
    await liftPoison();
  }, 300_000);
});
