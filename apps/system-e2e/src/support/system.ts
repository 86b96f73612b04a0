import { createInventoryApp, InventoryConfig, migrateInventory } from '@orders/inventory-service';
import { createGatewayApp, GatewayConfig, migrateGateway } from '@orders/order-gateway';
import { createPaymentApp, migratePayment, PaymentConfig } from '@orders/payment-service';
import { HttpApp } from '@orders/platform-service';
import { KafkaSecurity, loadConfig } from '@orders/platform-config';
import { TopicReplication } from '@orders/platform-messaging';
import { ListeningPgClient } from '@orders/platform-database';
import { Pool } from 'pg';
import request from 'supertest';
import { EventRecorder } from './event-recorder';
import { createEmptyDatabase, createTestDatabase, createTestTopics, freePort, releaseTestResources, testToken } from './isolated-resources';
import { databaseUrl, TEST_ENV, uniqueSuffix } from './test-env';
import { ServiceName, ServiceProcess, TEST_LOG_DIR } from './service-process';
import { ImageRefs, runComposeJob, ServiceContainer } from './service-container';
import { RoundRobinProxy } from './round-robin-proxy';
import { join } from 'node:path';
import { dropServiceRoles, migrateWithServiceRoles, ServiceRoleUrls, serviceRoleUrls } from './service-roles';

export type Env = Record<string, string>;

export interface SystemOptions {
  /**
   * Every service and the test reach PostgreSQL on this port (e.g. a TcpProxy in front of a
   * private primary); the test database is created there empty and migrated.
   */
  postgresPort?: number;
  /** Reach PostgreSQL on another port for one service (e.g. through a TcpProxy the test can cut). */
  inventoryDatabasePort?: number;
  /** Run each service as its own OS process (from `npm run build`) instead of in this one. */
  processes?: boolean;
  /**
   * Run each service as a container from its image (scripts/images.sh), defined by its
   * docker-compose.yml entry; the images' own migration/topic jobs prepare an empty database.
   */
  containers?: ImageRefs;
  /**
   * Process mode with this many processes of each service (default 1); gateway and inventory
   * replicas are reached through a RoundRobinProxy each, standing in for a Kubernetes Service.
   */
  replicas?: number;
  /** Kafka bootstrap servers (default: the shared broker); failure tests bring their own. */
  brokers?: string;
  /** TLS/SASL of those brokers for the test's own clients (the services take it from `env`). */
  kafkaSecurity?: KafkaSecurity;
  /** Each service runs as its own database role (created by its migration step), not as the superuser. */
  serviceRoles?: boolean;
  /** Replicas of the test's topics (default 1; a three-broker cluster: 3 with min.insync.replicas 2). */
  topicReplication?: TopicReplication;
  /** Environment shared by the three services (e.g. payment delays). */
  env?: Env;
  gateway?: Env;
  inventory?: Env;
  payment?: Env;
}

export interface ProductSpec {
  sku: string;
  priceCents?: number;
  initialStock: number;
}

/**
 * One isolated copy of the whole platform for a test file: its own database (from the
 * migrated template), its own topic prefix and consumer groups, its own Redis key prefix,
 * and the three services as separate Nest apps talking over real Kafka.
 */
export class TestSystem {
  private readonly suffix = uniqueSuffix();
  readonly prefix = `t${this.suffix}.`;
  readonly database = `${TEST_ENV.databasePrefix}${this.suffix}`;
  readonly db: Pool;
  readonly recorder: EventRecorder;
  readonly stockBaseline = new Map<string, number>();
  gateway!: HttpApp;
  inventory!: HttpApp;
  payment!: HttpApp;
  readonly processes = new Map<ServiceName, ServiceProcess | ServiceContainer>();
  private readonly replicaSets = new Map<ServiceName, ServiceProcess[]>();
  private readonly proxies: RoundRobinProxy[] = [];
  /** What the migration/topic jobs printed (container mode). */
  readonly jobOutput: string[] = [];
  gatewayUrl = '';
  inventoryUrl = '';
  /** With `serviceRoles`: each service's DATABASE_URL. */
  readonly roleUrls: ServiceRoleUrls | null;

  private constructor(private readonly options: SystemOptions) {
    this.db = new Pool({ connectionString: this.databaseUrl(), max: 4, Client: ListeningPgClient });
    // An idle client cut by DROP DATABASE … WITH (FORCE) at teardown is not a test failure.
    this.db.on('error', () => undefined);
    this.recorder = new EventRecorder(this.brokers, this.prefix, options.kafkaSecurity);
    this.roleUrls = options.serviceRoles ? serviceRoleUrls(this.database) : null;
  }

  get brokers(): string[] {
    return (this.options.brokers ?? TEST_ENV.kafkaBrokers).split(',');
  }

  static async start(options: SystemOptions = {}): Promise<TestSystem> {
    const system = new TestSystem(options);
    try {
      await system.boot();
    } catch (error) {
      // Leave nothing running behind a failed start (consumers would outlive the test file).
      await system.stop().catch(() => undefined);
      throw error;
    }
    return system;
  }

  private baseEnv(): Env {
    return {
      NODE_ENV: 'test',
      LOG_LEVEL: TEST_ENV.logLevel,
      DATABASE_URL: this.databaseUrl(),
      DB_POOL_SIZE: '5',
      REDIS_URL: TEST_ENV.redisUrl,
      REDIS_KEY_PREFIX: this.prefix,
      KAFKA_BROKERS: this.brokers.join(','),
      KAFKA_TOPIC_PREFIX: this.prefix,
      KAFKA_PARTITIONS_CONCURRENTLY: '3',
      PAYMENT_DELAY_MIN_MS: '0',
      PAYMENT_DELAY_MAX_MS: '10',
      PORT: '0',
      ...this.options.env,
    };
  }

  private databaseOf(service: keyof ServiceRoleUrls): Env {
    return this.roleUrls ? { DATABASE_URL: this.roleUrls[service] } : {};
  }

  /** The test database's URL, on the private PostgreSQL port when there is one. */
  private databaseUrl(): string {
    const url = new URL(databaseUrl(this.database));
    if (this.options.postgresPort) url.port = String(this.options.postgresPort);
    return url.toString();
  }

  private inventoryDatabase(): Env {
    if (!this.options.inventoryDatabasePort) return this.databaseOf('inventory');
    const url = new URL(this.roleUrls?.inventory ?? databaseUrl(this.database));
    url.port = String(this.options.inventoryDatabasePort);
    return { DATABASE_URL: url.toString() };
  }

  private async boot(): Promise<void> {
    if (this.options.postgresPort) {
      await createEmptyDatabase(this.database, this.databaseUrl().replace(`/${this.database}`, '/postgres'));
      const env = { DATABASE_URL: this.databaseUrl() };
      await migrateGateway(loadConfig(GatewayConfig, env));
      await migrateInventory(loadConfig(InventoryConfig, env));
      await migratePayment(loadConfig(PaymentConfig, env));
      await createTestTopics(this.brokers, this.prefix, { replication: this.options.topicReplication });
    } else if (this.options.containers) {
      await createEmptyDatabase(this.database);
      await this.runMigrationJobs(this.options.containers);
    } else {
      await createTestDatabase(this.database);
      if (this.roleUrls) await migrateWithServiceRoles(this.database, this.roleUrls);
      await createTestTopics(this.brokers, this.prefix, { security: this.options.kafkaSecurity, replication: this.options.topicReplication });
    }
    await this.recorder.start();
    if ((this.options.replicas ?? 1) > 1) return this.bootReplicas(this.options.replicas!);
    if (this.options.processes || this.options.containers) return this.bootProcesses();

    await this.startInventory();
    this.payment = await createPaymentApp(loadConfig(PaymentConfig, { ...this.baseEnv(), ...this.databaseOf('payment'), ...this.options.payment }));
    await this.payment.listen(0, '127.0.0.1');
    this.gateway = await createGatewayApp(
      loadConfig(GatewayConfig, { ...this.baseEnv(), ...this.databaseOf('gateway'), INVENTORY_URL: this.inventoryUrl, ...this.options.gateway }),
    );
    await this.gateway.listen(0, '127.0.0.1');
    this.gatewayUrl = await this.gateway.getUrl();
  }

  private async bootProcesses(): Promise<void> {
    const [gatewayPort, inventoryPort, paymentPort] = [await freePort(), await freePort(), await freePort()];
    const log = (service: string) => join(TEST_LOG_DIR, `${this.prefix}${service}.log`);
    const inventoryUrl = `http://127.0.0.1:${inventoryPort}`;
    // Separate processes log to files: keep info lines there for post-mortems.
    const logLevel = { LOG_LEVEL: process.env.TEST_PROCESS_LOG_LEVEL ?? 'info' };
    const specs: Array<[ServiceName, number, Env]> = [
      ['inventory-service', inventoryPort, { ...this.baseEnv(), ...logLevel, ...this.inventoryDatabase(), ...this.options.inventory }],
      ['payment-service', paymentPort, { ...this.baseEnv(), ...logLevel, ...this.databaseOf('payment'), ...this.options.payment }],
      ['order-gateway', gatewayPort, { ...this.baseEnv(), ...logLevel, ...this.databaseOf('gateway'), INVENTORY_URL: inventoryUrl, ...this.options.gateway }],
    ];
    for (const [service, port, env] of specs) {
      const images = this.options.containers;
      const child = images ? new ServiceContainer(service, images[service], port, env) : new ServiceProcess(service, port, env, log(service));
      this.processes.set(service, child);
      await child.start();
    }
    this.inventoryUrl = inventoryUrl;
    this.gatewayUrl = this.processes.get('order-gateway')!.url;
  }

  /**
   * In-process mode: starts the inventory service (again, on the same port after
   * `stopInventory`), so a test can let events pile up for it and have them consumed together.
   */
  async startInventory(): Promise<void> {
    this.inventory = await createInventoryApp(loadConfig(InventoryConfig, { ...this.baseEnv(), ...this.inventoryDatabase(), ...this.options.inventory }));
    await this.inventory.listen(this.inventoryUrl ? Number(new URL(this.inventoryUrl).port) : 0, '127.0.0.1');
    this.inventoryUrl = await this.inventory.getUrl();
  }

  /** In-process mode: a graceful stop of the inventory service (it leaves its consumer group). */
  async stopInventory(): Promise<void> {
    await this.inventory.close();
  }

  private async bootReplicas(count: number): Promise<void> {
    const logLevel = { LOG_LEVEL: process.env.TEST_PROCESS_LOG_LEVEL ?? 'info' };
    const start = async (service: ServiceName, env: Env): Promise<ServiceProcess[]> => {
      const replicas: ServiceProcess[] = [];
      for (let index = 0; index < count; index++) {
        const replica = new ServiceProcess(
          service,
          await freePort(),
          { ...this.baseEnv(), ...logLevel, ...env },
          join(TEST_LOG_DIR, `${this.prefix}${service}-${index}.log`),
        );
        replicas.push(replica);
        await replica.start();
      }
      this.replicaSets.set(service, replicas);
      this.processes.set(service, replicas[0]);
      return replicas;
    };
    const inventory = await RoundRobinProxy.start(
      (await start('inventory-service', { ...this.inventoryDatabase(), ...this.options.inventory })).map((replica) => replica.url),
    );
    this.proxies.push(inventory);
    await start('payment-service', { ...this.databaseOf('payment'), ...this.options.payment });
    const gateway = await RoundRobinProxy.start(
      (await start('order-gateway', { ...this.databaseOf('gateway'), INVENTORY_URL: inventory.url, ...this.options.gateway })).map((replica) => replica.url),
    );
    this.proxies.push(gateway);
    this.inventoryUrl = inventory.url;
    this.gatewayUrl = gateway.url;
  }

  /** Replica mode: every process of a service. */
  replicas(service: ServiceName): ServiceProcess[] {
    const replicas = this.replicaSets.get(service);
    if (!replicas) throw new Error('start the TestSystem with { replicas: 2 }');
    return replicas;
  }

  /** Each image's compose job (`<service>-migrate`): its schema's migrations, then the topics. */
  private async runMigrationJobs(images: ImageRefs): Promise<void> {
    for (const service of ['order-gateway', 'inventory-service', 'payment-service'] as const) {
      this.jobOutput.push(await runComposeJob(`${service}-migrate`, images[service], this.baseEnv()));
    }
  }

  /** Process mode: the service's OS process (kill it with SIGKILL, start it again). */
  process(service: ServiceName): ServiceProcess | ServiceContainer {
    const child = this.processes.get(service);
    if (!child) throw new Error('start the TestSystem with { processes: true } or { containers }');
    return child;
  }

  async stop(): Promise<void> {
    for (const proxy of this.proxies) await proxy.stop();
    for (const replicas of this.replicaSets.values()) for (const replica of replicas) await replica.kill('SIGTERM').catch(() => undefined);
    for (const child of this.processes.values()) await child.kill('SIGTERM').catch(() => undefined);
    for (const app of [this.gateway, this.payment, this.inventory]) {
      await app?.close().catch((error: unknown) => {
        console.warn(`closing an app failed: ${(error as Error).message}`);
      });
    }
    await this.recorder.stop().catch(() => undefined);
    await this.db.end();
    await releaseTestResources(this.database, this.prefix, this.brokers, this.options.env?.REDIS_URL, this.options.kafkaSecurity);
    if (this.roleUrls) await dropServiceRoles(this.roleUrls);
  }

  http() {
    return request(this.gatewayUrl);
  }

  token(userId: string, roles: string[] = [], expiresIn = 600): string {
    return testToken(userId, roles, expiresIn);
  }

  adminToken(): string {
    return this.token('admin-1', ['admin']);
  }

  async createProduct(spec: ProductSpec): Promise<void> {
    const response = await this.http()
      .post('/admin/products')
      .set('authorization', `Bearer ${this.adminToken()}`)
      .send({ sku: spec.sku, name: `Product ${spec.sku}`, priceCents: spec.priceCents ?? 1000, initialStock: spec.initialStock });
    if (response.status !== 201) throw new Error(`createProduct ${spec.sku}: ${response.status} ${response.text}`);
    this.stockBaseline.set(spec.sku, spec.initialStock);
  }

  /** The durable stock of a sku, straight from inventory's tables. */
  async stock(sku: string): Promise<{ available: number; reserved: number; sold: number; adjusted: number }> {
    const { rows } = await this.db.query('SELECT available, reserved, sold, adjusted FROM inventory.stock WHERE sku = $1', [sku]);
    return rows[0];
  }

  /**
   * available + reserved + sold == initial stock + adjustments, for every sku the test
   * created, against the figures the test itself supplied.
   */
  async assertStockConserved(): Promise<void> {
    for (const [sku, initial] of this.stockBaseline) {
      const stock = await this.stock(sku);
      expect({ sku, total: stock.available + stock.reserved + stock.sold }).toEqual({ sku, total: initial + stock.adjusted });
    }
  }

  /** Places an order through the gateway as `userId` (a fresh Idempotency-Key each call). */
  placeOrder(userId: string, body: object, headers: Record<string, string> = {}) {
    const call = this.http()
      .post('/orders')
      .set('authorization', `Bearer ${this.token(userId)}`)
      .set('idempotency-key', `${userId}-${uniqueSuffix()}`);
    for (const [name, value] of Object.entries(headers)) call.set(name, value);
    return call.send(body);
  }

  async waitForStatus(orderId: string, status: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await this.db.query('SELECT status FROM gateway.orders WHERE id = $1', [orderId]);
      if (rows[0]?.status === status) return;
      if (Date.now() > deadline) throw new Error(`order ${orderId} is ${rows[0]?.status}, not ${status}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Waits until every order is CONFIRMED or CANCELLED; returns their rows. */
  async waitForTerminal(
    orderIds: string[],
    timeoutMs = 60_000,
  ): Promise<Array<{ id: string; status: string; cancel_reason: string | null; history: Array<{ status: string }> }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await this.db.query('SELECT id, status, cancel_reason, history FROM gateway.orders WHERE id = ANY($1::uuid[])', [orderIds]);
      const open = rows.filter((row) => row.status !== 'CONFIRMED' && row.status !== 'CANCELLED');
      if (rows.length === orderIds.length && open.length === 0) return rows;
      if (Date.now() > deadline)
        throw new Error(`${open.length + orderIds.length - rows.length} of ${orderIds.length} orders not terminal: ${JSON.stringify(open.slice(0, 3))}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Waits until no reservation is open for an order that is already terminal (the saga is quiet). */
  async waitUntilQuiet(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await this.db.query(
        `SELECT count(*)::int AS busy FROM inventory.reservations r JOIN gateway.orders o ON o.id = r.order_id
          WHERE r.state = 'RESERVED' AND o.status IN ('CONFIRMED', 'CANCELLED')`,
      );
      const { rows: outbox } = await this.db.query(
        `SELECT (SELECT count(*) FROM gateway.outbox) + (SELECT count(*) FROM inventory.outbox) + (SELECT count(*) FROM payment.outbox) AS pending`,
      );
      if (rows[0].busy === 0 && Number(outbox[0].pending) === 0) return;
      if (Date.now() > deadline)
        throw new Error(`saga not quiet: ${rows[0].busy} open reservations of terminal orders, ${outbox[0].pending} unpublished events`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
