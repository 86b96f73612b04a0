import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { CompressionTypes, Message, Partitioners, Producer } from 'kafkajs';
import { DataSource, EntityManager } from 'typeorm';
import { advisoryLockKey, queryRows } from '@orders/platform-database';
import { counter, gauge, sendBatchTraced } from '@orders/platform-observability';
import { retryBackoffMs } from '@orders/platform-async';
import { OUTBOX_SHARDS } from './messaging-tables';
import { createKafka } from './kafka-client';
import { MESSAGING_SETTINGS, type MessagingSettings } from './messaging-settings';
import { RelayMembership } from './relay-membership';

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
const backlog = gauge({ name: 'outbox_backlog', help: 'Events written but not yet published, in the shards this relay publishes', labelNames: ['service'] });
const oldestAge = gauge({
  name: 'outbox_oldest_age_seconds',
  help: 'Age of the oldest unpublished event in the shards this relay publishes',
  labelNames: ['service'],
});
const shardsOwned = gauge({ name: 'outbox_relay_shards', help: `Outbox shards (of ${OUTBOX_SHARDS}) this relay publishes`, labelNames: ['service'] });

/** How often a relay working through a deep backlog counts it for the gauge (scrapes are seconds apart). */
const BACKLOG_COUNT_INTERVAL_MS = 1_000;

/**
 * Publishes outbox rows to Kafka, oldest first, at least once.
 *
 * The outbox is split into shards by a hash of the Kafka key (`outbox.shard`, see
 * addOutboxShards), and the live relays of a service share the shards (RelayMembership): each
 * publishes its own in parallel with the others, a relay alone publishes all of them in one
 * batch. A shard is published only under a transaction-scoped advisory lock that keeps every
 * other relay from it (see lockShards), so however the relays' views of who owns what disagree
 * for a moment, one order's events (one key, one shard) leave one at a time, in the order they
 * were written. Rows are deleted in the same transaction after Kafka acknowledged them
 * (acks=all, idempotent producer); a crash in between republishes them, and consumers drop the
 * duplicate by event id.
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
  private backlogCountedAt = 0;
  private readonly membership: RelayMembership;
  private readonly serviceLockKey: string;
  private readonly shardLockKeys: string[];

  constructor(
    private readonly dataSource: DataSource,
    @Inject(MESSAGING_SETTINGS) private readonly settings: MessagingSettings,
  ) {
    this.membership = new RelayMembership(dataSource);
    const outbox = `${settings.topicPrefix}${settings.service}`;
    this.serviceLockKey = advisoryLockKey('outbox', outbox);
    this.shardLockKeys = Array.from({ length: OUTBOX_SHARDS }, (_, shard) => advisoryLockKey('outbox', outbox, String(shard)));
  }

  onApplicationBootstrap(): void {
    this.producer = this.createProducer();
    this.running = true;
    this.loop = this.run();
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
    // Last flush so that committed work leaves with us when Kafka is reachable, then hand our
    // shards over now rather than when our heartbeat expires.
    await this.publishBatch().catch(() => undefined);
    await this.membership.leave().catch(() => undefined);
    await this.producer?.disconnect().catch(() => undefined);
  }

  /** Called after a commit that wrote outbox rows: publish now instead of at the next poll. */
  notify(): void {
    this.pendingWake = true;
    this.wake?.();
  }

  /** The outbox shards this relay publishes, as of its last heartbeat. */
  ownedShards(): readonly number[] {
    return this.membership.current();
  }

  /** True while the relay has recently talked to Postgres and Kafka successfully. */
  isHealthy(maxSilenceMs = 30_000): boolean {
    return this.running && Date.now() - this.lastSuccessAt < maxSilenceMs;
  }

  private async run(): Promise<void> {
    let failures = 0;
    let connected = false;
    while (this.running) {
      try {
        // this.producer, not a copy: after a broker failover it is replaced by a new one (below).
        if (!connected && this.producer) {
          await this.producer.connect();
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
        await this.idle(retryBackoffMs(failures));
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

  /** Publishes one batch from the shards this relay owns; returns how many rows left the outbox. */
  async publishBatch(): Promise<number> {
    if (!this.producer) return 0;
    const producer = this.producer;
    const owned = await this.membership.ownShards();
    shardsOwned.set({ service: this.settings.service }, owned.length);
    if (owned.length === 0) {
      // Nothing of the backlog is this relay's to publish (the gauges are summed over replicas).
      backlog.set({ service: this.settings.service }, 0);
      oldestAge.set({ service: this.settings.service }, 0);
      return 0;
    }
    return this.dataSource.transaction(async (manager) => {
      const shards = await this.lockShards(manager, owned);
      if (shards.length === 0) return 0;
      const { where, params } = onlyShards(shards);
      const rows = await queryRows<OutboxRow>(
        manager,
        `SELECT id, topic, message_key, value, headers, EXTRACT(EPOCH FROM now() - created_at)::float AS age_seconds
           FROM outbox ${where} ORDER BY id LIMIT $${params.length + 1}`,
        [...params, this.settings.outboxBatchSize],
      );
      oldestAge.set({ service: this.settings.service }, rows[0]?.age_seconds ?? 0);
      if (rows.length < this.settings.outboxBatchSize) {
        backlog.set({ service: this.settings.service }, rows.length);
      } else if (Date.now() - this.backlogCountedAt >= BACKLOG_COUNT_INTERVAL_MS) {
        // A count reads the whole backlog: on a deep one, once per batch cost as much as publishing it.
        const [{ count }] = await queryRows<{ count: string }>(manager, `SELECT count(*) AS count FROM outbox ${where}`, params);
        backlog.set({ service: this.settings.service }, Number(count));
        this.backlogCountedAt = Date.now();
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
      await queryRows(manager, 'DELETE FROM outbox WHERE id = ANY($1::bigint[])', [rows.map((row) => row.id)]);
      published.inc({ service: this.settings.service }, rows.length);
      return rows.length;
    });
  }

  /**
   * Locks, until the commit, those of `owned` that no other relay is publishing right now (one
   * that has not yet seen a membership change may still be) and returns them. A relay that owns
   * every shard (it runs alone, as far as it knows) takes the service's lock exclusively instead
   * of 32 shard locks: one lock, as before the shards. The others hold the service's lock shared,
   * so an exclusive holder and a shard holder never publish at once; neither does a relay from
   * before the shards (it took the service's lock exclusively) during the rolling upgrade.
   */
  private async lockShards(manager: EntityManager, owned: number[]): Promise<number[]> {
    if (owned.length === OUTBOX_SHARDS) {
      const [{ locked }] = await queryRows<{ locked: boolean }>(manager, 'SELECT pg_try_advisory_xact_lock($1) AS locked', [this.serviceLockKey]);
      return locked ? owned : [];
    }
    const [{ free, shards }] = await queryRows<{ free: boolean; shards: number[] }>(
      manager,
      `SELECT pg_try_advisory_xact_lock_shared($1) AS free,
              ARRAY(SELECT shard FROM unnest($2::int[], $3::bigint[]) AS s(shard, lock_key) WHERE pg_try_advisory_xact_lock(lock_key)) AS shards`,
      [this.serviceLockKey, owned, owned.map((shard) => this.shardLockKeys[shard])],
    );
    return free ? shards : [];
  }
}

/**
 * The WHERE clause (and its parameter) that keeps the rows of `shards`; none for all of them:
 * `shard` is the row's last column, and checking it costs a read of the whole row.
 */
function onlyShards(shards: number[]): { where: string; params: unknown[] } {
  return shards.length === OUTBOX_SHARDS ? { where: '', params: [] } : { where: 'WHERE shard = ANY($1::smallint[])', params: [shards] };
}
