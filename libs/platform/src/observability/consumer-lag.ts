import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { deadLetterTopic, topicName, topicsConsumedBy } from '@orders/events';
import type { Admin } from 'kafkajs';
import { withTimeout } from '../health/readiness';
import { createKafka } from '../messaging/kafka-client';
import { MESSAGING_SETTINGS, MessagingSettings } from '../messaging/messaging-settings';
import { gauge } from './metrics';

/** Figures younger than this are served from memory: a scrape never costs more than one round. */
const FRESH_MS = 5_000;
/** A scrape waits at most this long for Kafka; after that it serves the last figures. */
const SCRAPE_BUDGET_MS = 1_000;

// Every monitor in the process (the e2e tests run three services in one process and
// share one registry): the gauges refresh all of them when scraped.
const monitors = new Set<ConsumerLagMonitor>();
const refreshAll = () => Promise.all([...monitors].map((monitor) => monitor.refresh()));

const consumerLag = gauge({
  name: 'kafka_consumer_lag',
  help: "Messages of a topic not yet consumed by the service's consumer group (sum over partitions: high watermark - committed offset)",
  labelNames: ['service', 'topic'],
  async collect() {
    await refreshAll();
  },
});

const deadLetters = gauge({
  name: 'kafka_dead_letter_messages',
  help: 'Messages held in the dead-letter twin of a topic (high - low watermark)',
  labelNames: ['topic'],
  async collect() {
    await refreshAll();
  },
});

/**
 * Consumer lag and dead-letter depth, read with the Kafka admin API (committed offsets
 * of the service's group vs. partition watermarks) when /metrics is scraped. Topic labels
 * are the logical names, without the deployment prefix; no partition label.
 */
@Injectable()
export class ConsumerLagMonitor implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ConsumerLagMonitor.name);
  private admin: Admin | null = null;
  private refreshedAt = 0;
  private inFlight: Promise<void> | null = null;
  private failing = false;

  constructor(@Inject(MESSAGING_SETTINGS) private readonly settings: MessagingSettings) {}

  onModuleInit(): void {
    monitors.add(this);
  }

  async onApplicationShutdown(): Promise<void> {
    monitors.delete(this);
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = null;
  }

  /** Refreshes the figures when they are stale; never throws, never waits past the budget. */
  async refresh(): Promise<void> {
    if (Date.now() - this.refreshedAt < FRESH_MS) return;
    this.inFlight ??= this.measure().finally(() => {
      this.inFlight = null;
    });
    await withTimeout(this.inFlight, SCRAPE_BUDGET_MS, 'kafka lag').catch(() => undefined);
  }

  private async measure(): Promise<void> {
    const { service, topicPrefix } = this.settings;
    try {
      this.admin ??= createKafka(`${service}-lag`, this.settings.brokers).admin({ retry: { retries: 0 } });
      await this.admin.connect();
      const topics = topicsConsumedBy(service);
      const committed = await this.admin.fetchOffsets({ groupId: `${topicPrefix}${service}`, topics: topics.map((topic) => topicName(topic, topicPrefix)) });
      for (const topic of topics) {
        const ends = await this.admin.fetchTopicOffsets(topicName(topic, topicPrefix));
        const offsets = new Map(
          committed.find((entry) => entry.topic === topicName(topic, topicPrefix))?.partitions.map((p) => [p.partition, Number(p.offset)]),
        );
        // A partition the group never committed on is read from its beginning (fromBeginning).
        const lag = ends.reduce((sum, end) => {
          const from = offsets.get(end.partition) ?? -1;
          return sum + Math.max(0, Number(end.high) - (from >= 0 ? from : Number(end.low)));
        }, 0);
        consumerLag.set({ service, topic }, lag);

        const dead = await this.admin.fetchTopicOffsets(deadLetterTopic(topic, topicPrefix)).catch(() => null);
        if (dead)
          deadLetters.set(
            { topic },
            dead.reduce((sum, end) => sum + Math.max(0, Number(end.high) - Number(end.low)), 0),
          );
      }
      this.refreshedAt = Date.now();
      this.failing = false;
    } catch (error) {
      // Kafka away: keep the last figures; readiness reports the outage.
      if (!this.failing) this.logger.warn(`consumer lag not measured: ${(error as Error).message}`);
      this.failing = true;
      await this.admin?.disconnect().catch(() => undefined);
      this.admin = null;
    }
  }
}
