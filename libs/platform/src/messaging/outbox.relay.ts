import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { CompressionTypes, Message, Partitioners, Producer } from 'kafkajs';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { queryRows } from '../database/query-rows';
import { counter, gauge } from '../observability/metrics';
import { sendBatchTraced } from '../observability/publish-tracing';
import { createKafka } from './kafka-client';
import { MESSAGING_SETTINGS, type MessagingSettings } from './messaging-settings';

interface OutboxRow {
  id: string;
  topic: string;
  message_key: string;
  value: string;
  headers: Record<string, string>;
  age_seconds: number;
}

const published = counter({ name: 'outbox_published_total', help: 'Events published from the outbox to Kafka', labelNames: ['service'] });
const publishFailures = counter({ name: 'outbox_publish_failures_total', help: 'Outbox batches that Kafka refused (retried later)', labelNames: ['service'] });
const backlog = gauge({ name: 'outbox_backlog', help: 'Events written but not yet published', labelNames: ['service'] });
const oldestAge = gauge({ name: 'outbox_oldest_age_seconds', help: 'Age of the oldest unpublished event', labelNames: ['service'] });

/**
 * Publishes outbox rows to Kafka, oldest first, at least once.
 *
 * Only one relay per service publishes at a time (a transaction-scoped advisory
 * lock), which keeps events of one order in the order they were written even with
 * many replicas. Rows are deleted in the same transaction after Kafka acknowledged
 * them (acks=all, idempotent producer); a crash in between republishes them, and
 * consumers drop the duplicate by event id.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap {
  private readonly logger = new Logger(OutboxRelay.name);
  private producer: Producer | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private pendingWake = false;
  private lastSuccessAt = 0;
  private readonly lockKey: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(MESSAGING_SETTINGS) private readonly settings: MessagingSettings,
  ) {
    // A stable 63-bit key per service and environment for pg_try_advisory_xact_lock.
    const digest = createHash('sha256').update(`outbox:${settings.topicPrefix}${settings.service}`).digest();
    this.lockKey = digest.readBigInt64BE(0).toString();
  }

  onApplicationBootstrap(): void {
    const producer = this.createProducer();
    this.producer = producer;
    this.running = true;
    this.loop = this.run(producer);
  }

  private createProducer(): Producer {
    return createKafka(`${this.settings.service}-outbox`, this.settings.brokers, this.settings.security).producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Murmur2 like the Java client: an order's events land on the same partition whoever produces them.
      createPartitioner: Partitioners.DefaultPartitioner,
      // Few retries here: the batch holds a transaction open; the relay loop retries with backoff.
      // (kafkajs warns that limited retries weaken its exactly-once; consumers dedupe by event id.)
      retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 3 },
    });
  }

  /** Stops the loop after a last flush (called by GracefulShutdown once consumers are stopped). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.notify();
    await this.loop;
    // Last flush so that committed work leaves with us when Kafka is reachable.
    await this.publishBatch().catch(() => undefined);
    await this.producer?.disconnect().catch(() => undefined);
  }

  /** Called after a commit that wrote outbox rows: publish now instead of at the next poll. */
  notify(): void {
    this.pendingWake = true;
    this.wake?.();
  }

  /** True while the relay has recently talked to Postgres and Kafka successfully. */
  isHealthy(maxSilenceMs = 30_000): boolean {
    return this.running && Date.now() - this.lastSuccessAt < maxSilenceMs;
  }

  private async run(producer: Producer): Promise<void> {
    let failures = 0;
    let connected = false;
    while (this.running) {
      try {
        if (!connected) {
          await producer.connect();
          connected = true;
        }
        const count = await this.publishBatch();
        failures = 0;
        this.lastSuccessAt = Date.now();
        if (count < this.settings.outboxBatchSize) await this.idle(this.settings.outboxPollMs);
      } catch (error) {
        failures += 1;
        publishFailures.inc({ service: this.settings.service });
        if (failures === 1 || failures % 20 === 0) {
          this.logger.warn(`outbox publish failed (attempt ${failures}), will retry: ${(error as Error).message}`);
        }
        // After a broker failover kafkajs' idempotent producer can lose track of its sequence
        // numbers and fail every send to a partition with OUT_OF_ORDER_SEQUENCE_NUMBER: a new
        // producer (new producer id) starts clean; what it publishes again, consumers drop by id.
        if ((error as { type?: string }).type === 'OUT_OF_ORDER_SEQUENCE_NUMBER' || /out of order sequence/i.test((error as Error).message)) {
          this.logger.warn('outbox producer out of sequence after a broker failover: starting a new producer');
          await this.producer?.disconnect().catch(() => undefined);
          this.producer = this.createProducer();
          connected = false;
        }
        await this.idle(Math.min(5_000, 100 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  private idle(ms: number): Promise<void> {
    if (this.pendingWake) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        this.pendingWake = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  /** Publishes one batch; returns how many rows left the outbox. */
  async publishBatch(): Promise<number> {
    if (!this.producer) return 0;
    const producer = this.producer;
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }] = await queryRows<{ locked: boolean }>(manager, 'SELECT pg_try_advisory_xact_lock($1) AS locked', [this.lockKey]);
      if (!locked) return 0;
      const rows: OutboxRow[] = await manager.query(
        'SELECT id, topic, message_key, value, headers, EXTRACT(EPOCH FROM now() - created_at)::float AS age_seconds FROM outbox ORDER BY id LIMIT $1',
        [this.settings.outboxBatchSize],
      );
      oldestAge.set({ service: this.settings.service }, rows[0]?.age_seconds ?? 0);
      if (rows.length < this.settings.outboxBatchSize) {
        backlog.set({ service: this.settings.service }, rows.length);
      } else {
        const [{ count }] = await queryRows<{ count: string }>(manager, 'SELECT count(*) AS count FROM outbox');
        backlog.set({ service: this.settings.service }, Number(count));
      }
      if (rows.length === 0) return 0;

      const byTopic = new Map<string, Message[]>();
      for (const row of rows) {
        const messages = byTopic.get(row.topic) ?? [];
        messages.push({ key: row.message_key, value: row.value, headers: row.headers });
        byTopic.set(row.topic, messages);
      }
      await sendBatchTraced(producer, this.settings.service, {
        acks: -1,
        compression: CompressionTypes.None,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      await manager.query('DELETE FROM outbox WHERE id = ANY($1::bigint[])', [rows.map((row) => row.id)]);
      published.inc({ service: this.settings.service }, rows.length);
      return rows.length;
    });
  }
}
