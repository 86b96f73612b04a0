import { PrivatePostgresPair } from '../support/private-postgres';
import { TestSystem } from '../support/system';
import { TcpProxy } from '../support/tcp-proxy';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * PostgreSQL fails over: a private primary with a synchronous streaming standby
 * (pg_basebackup), behind a TCP proxy standing in for a Kubernetes Service. The primary is
 * SIGKILLed mid-flow, the standby promoted and the proxy pointed at it: the services' pools
 * reconnect, work in flight retries, every order reaches its terminal state, nothing is lost
 * or doubled, stock is conserved.
 */
describe('PostgreSQL primary killed and its standby promoted mid-flow', () => {
  let postgres: PrivatePostgresPair;
  let proxy: TcpProxy;
  let system: TestSystem;

  beforeAll(async () => {
    postgres = await PrivatePostgresPair.start();
    proxy = await TcpProxy.start({ host: '127.0.0.1', port: postgres.primaryPort });
    system = await TestSystem.start({
      postgresPort: proxy.port,
      payment: { PAYMENT_DELAY_MIN_MS: '50', PAYMENT_DELAY_MAX_MS: '200', PAYMENT_PROVIDER_TIMEOUT_MS: '1000' },
      // Clients retry every 100 ms while the database is away: far above the per-user order rate
      // limit (60/min) if the failover takes more than a few seconds, which is not what this tests.
      gateway: { ORDER_PAYMENT_TIMEOUT_MS: '300000', RATE_LIMIT_ORDERS_PER_MINUTE: '100000' },
    });
    await system.createProduct({ sku: 'FAILOVER-CUP', priceCents: 400, initialStock: 100 });
  }, 120_000);

  afterAll(async () => {
    await system?.stop().catch(() => undefined);
    await proxy?.cut();
    await postgres?.stop();
  }, 60_000);

  it('completes every order exactly once across the failover', async () => {
    const accepted: string[] = [];
    let userCount = 0;
    // A client retries a failed request with the same Idempotency-Key until it is accepted.
    const place = async () => {
      const user = `failover-user-${++userCount}`;
      const key = `${user}-order`;
      for (let attempt = 0; ; attempt++) {
        const response = await system
          .http()
          .post('/orders')
          .set('authorization', `Bearer ${system.token(user)}`)
          .set('idempotency-key', key)
          .send({ items: [{ sku: 'FAILOVER-CUP', quantity: 1 }], paymentMethod: 'pm_card_ok' })
          .catch(() => null);
        if (response?.status === 202) return accepted.push(response.body.id);
        if (attempt > 300) throw new Error(`order ${key} never accepted: ${response?.status} ${response?.text}`);
        await sleep(100);
      }
    };

    await Promise.all(Array.from({ length: 12 }, place));
    postgres.killPrimary();
    const during = Promise.all(Array.from({ length: 6 }, place));
    await sleep(1_000);
    await postgres.promoteStandby();
    await proxy.switchTo({ host: '127.0.0.1', port: postgres.standbyPort });
    await during;
    await Promise.all(Array.from({ length: 6 }, place));

    const orders = await system.waitForTerminal(accepted, 120_000);
    expect(orders.filter((order) => order.status !== 'CONFIRMED')).toEqual([]);
    expect(new Set(accepted).size).toBe(24);
    await system.waitUntilQuiet(60_000);
    const { rows: created } = await system.db.query('SELECT count(*)::int AS count FROM gateway.orders');
    expect(created[0].count).toBe(24);
    const { rows: doubled } = await system.db.query('SELECT order_id FROM payment.payments GROUP BY order_id HAVING count(*) > 1');
    expect(doubled).toEqual([]);
    expect(await system.stock('FAILOVER-CUP')).toEqual({ available: 76, reserved: 0, sold: 24, adjusted: 0 });
    await system.assertStockConserved();
  }, 300_000);
});
