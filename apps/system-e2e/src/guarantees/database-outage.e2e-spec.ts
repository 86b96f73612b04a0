import { Topics } from '@orders/events';
import { listDeadLetters } from '@orders/platform-messaging';
import { TestSystem } from '../support/system';
import { TcpProxy } from '../support/tcp-proxy';

/**
 * While a consumer's database is away, its partition waits (retrying with backoff) instead
 * of dead-lettering the events it cannot apply; when the database returns, the saga goes on.
 */
describe('a consumer whose database goes away', () => {
  let proxy: TcpProxy;
  let system: TestSystem;

  beforeAll(async () => {
    proxy = await TcpProxy.start({ host: '127.0.0.1', port: 5432 });
    system = await TestSystem.start({ inventoryDatabasePort: proxy.port });
  });

  afterAll(async () => {
    await system?.stop();
    await proxy?.cut();
  });

  it('holds the event until the database is back, then completes the order; nothing is dead-lettered', async () => {
    await system.createProduct({ sku: 'OUTAGE-PEN', initialStock: 3 });
    await proxy.cut();
    const placed = await system.placeOrder('hugo', { items: [{ sku: 'OUTAGE-PEN', quantity: 1 }], paymentMethod: 'pm_card_ok' });
    expect(placed.status).toBe(202);
    // Long enough for five attempts with backoff (what a poison message gets before the DLQ).
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    await proxy.open();

    const [order] = await system.waitForTerminal([placed.body.id], 60_000);
    expect(order.status).toBe('CONFIRMED');
    expect((await listDeadLetters(system.brokers, system.prefix, Topics.OrderEvents)).length).toBe(0);
    await system.waitUntilQuiet();
    await system.assertStockConserved();
  }, 120_000);
});
