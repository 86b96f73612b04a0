import { createInventoryApp, InventoryConfig } from '@orders/inventory-service';
import { createGatewayApp, GatewayConfig } from '@orders/order-gateway';
import { createPaymentApp, PaymentConfig } from '@orders/payment-service';
import { deleteTopics, DEVELOPMENT_JWT_SECRET, ensureTopics, HttpApp, loadConfig, sagaTopics } from '@orders/platform';
import Redis from 'ioredis';
import { sign } from 'jsonwebtoken';
import { Client, Pool } from 'pg';
import request from 'supertest';
import { EventRecorder } from './event-recorder';
import { databaseUrl, TEST_ENV, templateDatabase, uniqueSuffix } from './test-env';

export type Env = Record<string, string>;

export interface SystemOptions {
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
  gatewayUrl = '';
  inventoryUrl = '';

  private constructor(private readonly options: SystemOptions) {
    this.db = new Pool({ connectionString: databaseUrl(this.database), max: 4 });
    this.recorder = new EventRecorder(TEST_ENV.kafkaBrokers.split(','), this.prefix);
  }

  static async start(options: SystemOptions = {}): Promise<TestSystem> {
    const system = new TestSystem(options);
    await system.boot();
    return system;
  }

  private baseEnv(): Env {
    return {
      NODE_ENV: 'test',
      LOG_LEVEL: TEST_ENV.logLevel,
      DATABASE_URL: databaseUrl(this.database),
      DB_POOL_SIZE: '5',
      REDIS_URL: TEST_ENV.redisUrl,
      REDIS_KEY_PREFIX: this.prefix,
      KAFKA_BROKERS: TEST_ENV.kafkaBrokers,
      KAFKA_TOPIC_PREFIX: this.prefix,
      KAFKA_PARTITIONS_CONCURRENTLY: '3',
      PAYMENT_DELAY_MIN_MS: '0',
      PAYMENT_DELAY_MAX_MS: '10',
      PORT: '0',
      ...this.options.env,
    };
  }

  private async boot(): Promise<void> {
    const admin = new Client({ connectionString: TEST_ENV.adminDatabaseUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${this.database}" TEMPLATE "${templateDatabase()}"`);
    } finally {
      await admin.end();
    }
    await ensureTopics(TEST_ENV.kafkaBrokers.split(','), sagaTopics(this.prefix, 3));
    await this.recorder.start();

    this.inventory = await createInventoryApp(loadConfig(InventoryConfig, { ...this.baseEnv(), ...this.options.inventory }));
    await this.inventory.listen(0, '127.0.0.1');
    this.inventoryUrl = await this.inventory.getUrl();
    this.payment = await createPaymentApp(loadConfig(PaymentConfig, { ...this.baseEnv(), ...this.options.payment }));
    await this.payment.listen(0, '127.0.0.1');
    this.gateway = await createGatewayApp(loadConfig(GatewayConfig, { ...this.baseEnv(), INVENTORY_URL: this.inventoryUrl, ...this.options.gateway }));
    await this.gateway.listen(0, '127.0.0.1');
    this.gatewayUrl = await this.gateway.getUrl();
  }

  async stop(): Promise<void> {
    for (const app of [this.gateway, this.payment, this.inventory]) await app?.close().catch(() => undefined);
    await this.recorder.stop().catch(() => undefined);
    await this.db.end();
    const admin = new Client({ connectionString: TEST_ENV.adminDatabaseUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${this.database}" WITH (FORCE)`).finally(() => admin.end());
    await deleteTopics(TEST_ENV.kafkaBrokers.split(','), sagaTopics(this.prefix).map((spec) => spec.topic)).catch(() => undefined);
    const redis = new Redis(TEST_ENV.redisUrl);
    const keys = await redis.keys(`${this.prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }

  http() {
    return request(this.gatewayUrl);
  }

  token(userId: string, roles: string[] = [], expiresIn = 600): string {
    return sign({ sub: userId, roles }, DEVELOPMENT_JWT_SECRET, { algorithm: 'HS256', expiresIn });
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
      if (Date.now() > deadline) throw new Error(`saga not quiet: ${rows[0].busy} open reservations of terminal orders, ${outbox[0].pending} unpublished events`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
