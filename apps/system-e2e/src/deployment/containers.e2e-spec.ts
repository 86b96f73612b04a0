import { orderSagaScenarios } from '../saga/order-saga';
import { buildImages, ImageRefs, podman, ServiceContainer } from '../support/service-container';
import { ServiceName } from '../support/service-process';
import { TestSystem } from '../support/system';

const SERVICES: ServiceName[] = ['order-gateway', 'inventory-service', 'payment-service'];

/**
 * The images as the charts run them: one image per service (scripts/images.sh, reused while
 * their inputs are unchanged), each service's migration/topic job from its own image on an
 * empty database, then the three containers as docker-compose.yml defines them — uid 10001,
 * read-only root filesystem, every capability dropped — on the host network, and the order
 * saga through them.
 */
describe('the services as containers from their images', () => {
  let images: ImageRefs;
  // A cold machine builds the base image and three service images first (several minutes).
  const system = orderSagaScenarios(async () => {
    images = await buildImages();
    return TestSystem.start({ containers: images, payment: { PAYMENT_DELAY_MIN_MS: '100', PAYMENT_DELAY_MAX_MS: '300' } });
  }, 20 * 60_000);
  const container = (service: ServiceName) => system().process(service) as ServiceContainer;

  it('ran each service migration job and the topic job from the images on an empty database', async () => {
    const { rows } = await system().db.query(
      `SELECT table_schema, count(*)::int AS runs FROM information_schema.tables WHERE table_name = 'migrations' GROUP BY 1 ORDER BY 1`,
    );
    expect(rows.map((row) => row.table_schema)).toEqual(['gateway', 'inventory', 'payment']);
    expect(system().jobOutput[0]).toContain('topics: created');
  });

  it('runs each container as uid 10001 with a read-only root filesystem and no capabilities', async () => {
    for (const service of SERVICES) {
      const running = container(service);
      expect(await running.inspect('{{.Config.User}} {{.HostConfig.ReadonlyRootfs}} {{.HostConfig.NetworkMode}}')).toBe('10001:10001 true host');
      const { stdout } = await podman('exec', running.name, 'sh', '-c', 'id -u; grep -E "^Cap(Eff|Prm|Bnd):" /proc/1/status; touch /app/written 2>&1 || true');
      expect({ service, stdout }).toEqual({
        service,
        stdout: expect.stringMatching(/^10001\nCapPrm:\t0{16}\nCapEff:\t0{16}\nCapBnd:\t0{16}\n.*Read-only file system/s),
      });
      await running.healthcheck();
    }
  });

  it('holds only its own service in each image', async () => {
    for (const service of SERVICES) {
      const { stdout } = await podman('run', '--rm', '--network', 'none', images[service], 'ls', 'dist/apps');
      expect({ service, apps: stdout.trim().split('\n') }).toEqual({ service, apps: [service] });
    }
  });

  it('drains on `podman stop` (SIGTERM): stops consuming, flushes its outbox, exits 0; the saga completes after restart', async () => {
    await system().createProduct({ sku: 'BOX-DRAIN', priceCents: 500, initialStock: 50 });
    const place = (count: number) =>
      Promise.all(
        Array.from({ length: count }, (_, index) =>
          system().placeOrder(`drain-user-${index % 4}`, { items: [{ sku: 'BOX-DRAIN', quantity: 1 }], paymentMethod: 'pm_card_ok' }),
        ),
      );
    const first = await place(8);
    const payment = container('payment-service');
    await payment.kill('SIGTERM');
    expect(payment.exitCode).toBe(0);
    expect(payment.readLog()).toContain('stopped consuming and flushed the outbox');
    const second = await place(4);
    await payment.start();

    const ids = [...first, ...second].map((response) => {
      expect(response.status).toBe(202);
      return response.body.id as string;
    });
    const orders = await system().waitForTerminal(ids, 120_000);
    expect(orders.map((order) => order.status)).toEqual(ids.map(() => 'CONFIRMED'));
    await system().waitUntilQuiet(60_000);
    expect(await system().stock('BOX-DRAIN')).toEqual({ available: 38, reserved: 0, sold: 12, adjusted: 0 });
  }, 240_000);
});
