import { request as httpRequest } from 'node:http';
import { ServiceName } from '../support/service-process';
import { TestSystem } from '../support/system';

const SERVICES: ServiceName[] = ['inventory-service', 'payment-service', 'order-gateway'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Two replicas of each service against one Kafka and one database, the gateways and the
 * inventories behind a round-robin proxy that routes only to ready replicas (a Kubernetes
 * Service). Orders are placed all along while one replica of each service is SIGKILLed in
 * turn, then every replica is restarted one by one (SIGTERM: not ready at once, requests in
 * flight finish, then consumers stop and the outbox flushes). No order is lost or doubled,
 * stock is conserved, and no client request fails during the rolling restart.
 */
describe('two replicas of each service: crashes and a rolling restart under load', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start({
      replicas: 2,
      // Longer than the proxy's readiness probe period (500 ms), as it would be for a Service.
      env: { SHUTDOWN_DRAIN_MS: '1500' },
      payment: { PAYMENT_DELAY_MIN_MS: '20', PAYMENT_DELAY_MAX_MS: '150', PAYMENT_PROVIDER_TIMEOUT_MS: '1000' },
      // Continuous orders from a few users outrun the per-user rate limit (60/min): not the subject here.
      gateway: { ORDER_PAYMENT_TIMEOUT_MS: '300000', RATE_LIMIT_ORDERS_PER_MINUTE: '100000' },
    });
    await system.createProduct({ sku: 'REPLICA-PEN', priceCents: 250, initialStock: 5_000 });
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
  }, 120_000);

  /** POST /orders on a fresh connection each time (a client without keep-alive). */
  function post(key: string, userId: string): Promise<{ status: number; id?: string }> {
    const body = JSON.stringify({ items: [{ sku: 'REPLICA-PEN', quantity: 1 }], paymentMethod: 'pm_card_ok' });
    const url = new URL('/orders', system.gatewayUrl);
    return new Promise((resolve, reject) => {
      const call = httpRequest(
        url,
        {
          method: 'POST',
          agent: false,
          headers: {
            authorization: `Bearer ${system.token(userId)}`,
            'idempotency-key': key,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
          timeout: 15_000,
        },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => {
            resolve({ status: response.statusCode ?? 0, id: response.statusCode === 202 ? JSON.parse(text).id : undefined });
          });
          response.on('error', reject);
        },
      );
      call.on('timeout', () => call.destroy(new Error('timed out')));
      call.on('error', reject);
      call.end(body);
    });
  }

  it('loses and doubles nothing through SIGKILLs of one replica of each service and a rolling restart of all', async () => {
    let phase = 'warm-up';
    let running = true;
    const accepted = new Map<string, string>(); // idempotency key -> order id
    const failures: Array<{ phase: string; error: string }> = [];
    const acceptedInPhase = new Map<string, number>();
    let placed = 0;
    const drainChecks: boolean[] = [];

    // Clients that place orders all along; a failed request is retried with the same key,
    // as a client would, until it is accepted.
    const client = async (worker: number) => {
      while (running) {
        const key = `replica-${worker}-${++placed}`;
        // A retry chain belongs to the phase its first attempt was sent in: a request cut off
        // by a SIGKILL leaves its key in flight until the claim's lease runs out (409 meanwhile),
        // and those retries may go on into the rolling restart.
        const firstPhase = phase;
        for (;;) {
          const outcome = await post(key, `replica-user-${key}`).catch((error: unknown) => ({ status: 0, id: undefined, error: (error as Error).message }));
          if (outcome.status === 202 && outcome.id) {
            accepted.set(key, outcome.id);
            acceptedInPhase.set(firstPhase, (acceptedInPhase.get(firstPhase) ?? 0) + 1);
            break;
          }
          failures.push({ phase: firstPhase, error: 'error' in outcome ? outcome.error : `HTTP ${outcome.status}` });
          await sleep(100);
        }
        await sleep(120);
      }
    };
    // Three clients, so that some keep placing orders while one waits out a key left in flight.
    const clients = [client(1), client(2), client(3)];
    await sleep(2_000);

    phase = 'SIGKILL';
    for (const service of SERVICES) {
      const [victim] = system.replicas(service);
      await victim.kill('SIGKILL');
      await sleep(1_500);
      await victim.start();
    }

    phase = 'rolling restart';
    for (const service of SERVICES) {
      for (const replica of system.replicas(service)) {
        const stopped = replica.kill('SIGTERM');
        if (service === 'order-gateway') {
          // The hand-over: not ready at once (the proxy stops routing to it), still serving.
          const deadline = Date.now() + 5_000;
          while (
            (await fetch(`${replica.url}/ready`).then(
              (response) => response.status,
              () => 0,
            )) !== 503
          ) {
            if (Date.now() > deadline) throw new Error('a stopping gateway never reported not ready');
            await sleep(20);
          }
          drainChecks.push(
            (await fetch(`${replica.url}/health`).then(
              (response) => response.status,
              () => 0,
            )) === 200,
          );
        }
        await stopped;
        await replica.start();
      }
    }
    await sleep(1_000);
    running = false;
    await Promise.all(clients);

    const ids = [...accepted.values()];
    const orders = await system.waitForTerminal(ids, 180_000);
    expect(orders.filter((order) => order.status !== 'CONFIRMED')).toEqual([]);
    // One order per accepted key: a retried request never created a second one.
    const { rows: created } = await system.db.query(`SELECT count(*)::int AS count FROM gateway.orders WHERE user_id LIKE 'replica-user-%'`);
    expect(created[0].count).toBe(accepted.size);
    expect(new Set(ids).size).toBe(ids.length);
    await system.waitUntilQuiet(60_000);
    const { rows: doubled } = await system.db.query('SELECT order_id FROM payment.payments GROUP BY order_id HAVING count(*) > 1');
    expect(doubled).toEqual([]);
    expect(await system.stock('REPLICA-PEN')).toEqual({ available: 5_000 - ids.length, reserved: 0, sold: ids.length, adjusted: 0 });
    await system.assertStockConserved();
    // The rolling restart is invisible to clients; a SIGKILLed gateway drops what it was serving.
    expect(failures.filter((failure) => failure.phase === 'rolling restart')).toEqual([]);
    expect(acceptedInPhase.get('rolling restart')).toBeGreaterThan(0);
    expect(drainChecks).toEqual([true, true]);
    console.log(
      `replicas: ${accepted.size} orders accepted, all confirmed once; failed requests (retried): ${failures.length} during SIGKILLs, 0 during the rolling restart (${acceptedInPhase.get('rolling restart') ?? 0} accepted then)`,
    );
  }, 600_000);
});
