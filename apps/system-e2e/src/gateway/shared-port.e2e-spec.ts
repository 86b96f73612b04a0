import { readFileSync } from 'node:fs';
import { ServiceProcess } from '../support/service-process';
import { TestSystem } from '../support/system';

/** IPv4 sockets listening on `port` on this host, from /proc/net/tcp (one per process sharing it). */
function listeningSockets(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter(([, local, , state]) => local?.endsWith(`:${hexPort}`) && state === '0A').length;
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * One host, more than one gateway process (docs/scaling.md): with HTTP_REUSE_PORT=true the
 * processes open the same port (SO_REUSEPORT), each with its own listening socket, and the
 * kernel spreads connections over them. A process without the setting cannot take the port.
 */
describe('gateway processes sharing one port (HTTP_REUSE_PORT)', () => {
  let system: TestSystem;
  let first: ServiceProcess;
  const siblings: ServiceProcess[] = [];

  beforeAll(async () => {
    system = await TestSystem.start({ processes: true, gateway: { HTTP_REUSE_PORT: 'true' } });
    await system.createProduct({ sku: 'SHARED-PORT-CUP', priceCents: 300, initialStock: 100 });
    first = system.process('order-gateway') as ServiceProcess;
  }, 120_000);

  afterAll(async () => {
    for (const sibling of siblings) await sibling.kill('SIGTERM');
    await system?.stop();
  }, 120_000);

  const order = (userId: string) =>
    system.placeOrder(userId, { items: [{ sku: 'SHARED-PORT-CUP', quantity: 1 }], paymentMethod: 'pm_card_ok' }, { prefer: 'wait=20' });

  it('serves orders from a second process on the same port, also once the first has stopped', async () => {
    expect(listeningSockets(first.port)).toBe(1);
    const second = first.sibling('second');
    siblings.push(second);
    await second.start();
    await until(() => listeningSockets(first.port) === 2, 'a second listening socket');

    const both = await Promise.all(Array.from({ length: 6 }, (_, index) => order(`shared-port-user-${index}`)));
    expect(both.map((response) => response.body.status)).toEqual(Array(6).fill('CONFIRMED'));

    await first.kill('SIGTERM');
    expect(listeningSockets(first.port)).toBe(1);
    expect((await order('shared-port-after')).body.status).toBe('CONFIRMED');

    await first.start();
    await until(() => listeningSockets(first.port) === 2, 'the first process listening again');
  });

  it('refuses a process without HTTP_REUSE_PORT on the shared port', async () => {
    const intruder = first.sibling('without-reuse', { HTTP_REUSE_PORT: 'false' });
    siblings.push(intruder);
    // Its start may look ready (the others answer /ready on that port) before it fails to listen.
    await intruder.start().catch(() => undefined);
    await intruder.whenExited();
    expect(listeningSockets(first.port)).toBe(2);
  });
});
