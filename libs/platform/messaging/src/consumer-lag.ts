import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { deadLetterTopic, topicName, topicsConsumedBy } from '@orders/events';
import type { Admin } from 'kafkajs';
import { gauge, ScrapeTimeFigures } from '@orders/platform-observability';
import { groupPositions } from './consumer-position';
import { createKafka } from './kafka-client';
import { MESSAGING_SETTINGS, type MessagingSettings } from './messaging-settings';

// Every monitor in the process (the e2e tests run three services in one process and
// share one registry): the gauges refresh all of them when scraped.
const monitors = new Set<ConsumerLagMonitor>();
const refreshAll = () => Promise.all([...monitors].map((monitor) => monitor.figures.refresh()));

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
  readonly figures = new ScrapeTimeFigures('consumer lag', () => this.measure());
  private admin: Admin | null = null;

  constructor(@Inject(MESSAGING_SETTINGS) private readonly settings: MessagingSettings) {}

  onModuleInit(): void {
    monitors.add(this);
  }

  async onApplicationShutdown(): Promise<void> {
    monitors.delete(this);
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = null;
  }

  private async measure(): Promise<void> {
    const { service, topicPrefix } = this.settings;
    try {
      this.admin ??= createKafka(`${service}-lag`, this.settings.brokers, this.settings.security).admin({ retry: { retries: 0 } });
      await this.admin.connect();
      const topics = topicsConsumedBy(service);
      const committed = await this.admin.fetchOffsets({ groupId: `${topicPrefix}${service}`, topics: topics.map((topic) => topicName(topic, topicPrefix)) });
      for (const topic of topics) {
        const ends = await this.admin.fetchTopicOffsets(topicName(topic, topicPrefix));
        const position = groupPositions(committed.find((entry) => entry.topic === topicName(topic, topicPrefix))?.partitions ?? [], ends);
        const lag = ends.reduce((sum, end) => sum + Math.max(0, Number(end.high) - (position.get(end.partition) ?? 0)), 0);
        consumerLag.set({ service, topic }, lag);

        const dead = await this.admin.fetchTopicOffsets(deadLetterTopic(topic, topicPrefix)).catch(() => null);
        if (dead)
          deadLetters.set(
            { topic },
            dead.reduce((sum, end) => sum + Math.max(0, Number(end.high) - Number(end.low)), 0),
          );
      }
    } catch (error) {
      // Kafka away: the last figures stay; readiness reports the outage.
      await this.admin?.disconnect().catch(() => undefined);
      this.admin = null;
      throw error;
    }
  }
}
