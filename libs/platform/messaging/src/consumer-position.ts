import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { topicName } from '@orders/events';
import { Admin, Partitioners } from 'kafkajs';
import { createKafka } from './kafka-client';
import { MESSAGING_SETTINGS, type MessagingSettings } from './messaging-settings';

/** For a deadline check: where this service's consumer group stands on one topic. */
interface ConsumedThrough {
  /** True when every message the partition holding `key` received before the time asked about is consumed (committed). */
  covers(key: string): boolean;
}

/**
 * The next offset a consumer group reads on each partition: its committed offset, or the
 * low watermark where it never committed (or retention dropped what it had not read yet):
 * the group reads from the beginning (fromBeginning).
 */
export function groupPositions(
  committed: Array<{ partition: number; offset: string }>,
  watermarks: Array<{ partition: number; low: string }>,
): Map<number, number> {
  const offsets = new Map(committed.map((partition) => [partition.partition, Number(partition.offset)]));
  return new Map(watermarks.map((partition) => [partition.partition, Math.max(offsets.get(partition.partition) ?? -1, Number(partition.low))]));
}

/**
 * Answers "has this service consumed (and committed) everything produced on a topic
 * before time T?", per partition, from Kafka itself: the group's committed offset against
 * the first offset stamped at or after T (ListOffsets by timestamp). A deadline judged by
 * the wall clock alone would fire while the answer that beat it still waits in the
 * consumer's backlog.
 */
@Injectable()
export class ConsumerPosition implements OnApplicationShutdown {
  private admin: Admin | null = null;
  private readonly partitioner = Partitioners.DefaultPartitioner();

  constructor(@Inject(MESSAGING_SETTINGS) private readonly settings: MessagingSettings) {}

  async onApplicationShutdown(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = null;
  }

  /** Throws when Kafka cannot be asked: the caller then decides nothing. */
  async consumedThrough(topic: string, at: Date): Promise<ConsumedThrough> {
    const { topicPrefix, service, brokers } = this.settings;
    const name = topicName(topic, topicPrefix);
    try {
      this.admin ??= createKafka(`${service}-position`, brokers, this.settings.security).admin({ retry: { retries: 1 } });
      await this.admin.connect();
      const [committed, firstAtOrAfter, watermarks] = await Promise.all([
        this.admin.fetchOffsets({ groupId: `${topicPrefix}${service}`, topics: [name] }),
        this.admin.fetchTopicOffsetsByTimestamp(name, at.getTime()),
        this.admin.fetchTopicOffsets(name),
      ]);
      const position = groupPositions(committed[0]?.partitions ?? [], watermarks);
      const caughtUp = new Set(
        firstAtOrAfter.filter((target) => (position.get(target.partition) ?? 0) >= Number(target.offset)).map((target) => target.partition),
      );
      const partitionMetadata = watermarks.map((partition) => ({ partitionId: partition.partition, leader: 0, partitionErrorCode: 0, replicas: [], isr: [] }));
      return {
        covers: (key) => caughtUp.has(this.partitioner({ topic: name, partitionMetadata, message: { key, value: null } })),
      };
    } catch (error) {
      await this.admin?.disconnect().catch(() => undefined);
      this.admin = null;
      throw error;
    }
  }
}
