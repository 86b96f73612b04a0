import { ALL_TOPICS, deadLetterTopic, TOPIC_PARTITIONS, topicName } from '@orders/events';
import { Admin, ConfigResourceTypes, KafkaJSProtocolError } from 'kafkajs';
import { KafkaSecurity } from '@orders/platform-config';
import { sleep } from '@orders/platform-async';
import { createKafka } from './kafka-client';

interface TopicSpec {
  topic: string;
  numPartitions: number;
  /** The topic's retention.ms; unset: the broker's default. */
  retentionMs?: number;
}

interface TopicRetention {
  topicHours: number;
  deadLetterHours: number;
}

const HOUR_MS = 3_600_000;

/** Every topic of the saga and its dead-letter twin, with the partitions the services need. */
export function sagaTopics(prefix = '', partitionsOverride?: number, retention?: TopicRetention): TopicSpec[] {
  return ALL_TOPICS.flatMap((topic) => [
    { topic: topicName(topic, prefix), numPartitions: partitionsOverride ?? TOPIC_PARTITIONS[topic], retentionMs: retention && retention.topicHours * HOUR_MS },
    { topic: deadLetterTopic(topic, prefix), numPartitions: 1, retentionMs: retention && retention.deadLetterHours * HOUR_MS },
  ]);
}

/** How many brokers hold each partition, and how many must have a write before it counts. */
export interface TopicReplication {
  factor: number;
  minInsyncReplicas: number;
}

/**
 * Creates missing topics explicitly (the broker does not auto-create), and sets the
 * retention of those that have one (existing topics too: a changed window applies on the
 * next deploy). Idempotent.
 */
export async function ensureTopics(
  brokers: string[],
  specs: TopicSpec[],
  options: { security?: KafkaSecurity; replication?: TopicReplication } = {},
): Promise<string[]> {
  const { security, replication = { factor: 1, minInsyncReplicas: 1 } } = options;
  const admin = createKafka('topic-admin', brokers, security).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((spec) => !existing.has(spec.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: false,
        topics: missing.map((spec) => ({
          topic: spec.topic,
          numPartitions: spec.numPartitions,
          replicationFactor: replication.factor,
          configEntries: [
            { name: 'min.insync.replicas', value: String(replication.minInsyncReplicas) },
            ...(spec.retentionMs ? [{ name: 'retention.ms', value: String(spec.retentionMs) }] : []),
          ],
        })),
      });
      await waitForLeaders(
        admin,
        missing.map((spec) => spec.topic),
      );
    }
    const retained = specs.filter((spec) => spec.retentionMs && existing.has(spec.topic));
    if (retained.length > 0) {
      await admin.alterConfigs({
        validateOnly: false,
        resources: retained.map((spec) => ({
          type: ConfigResourceTypes.TOPIC,
          name: spec.topic,
          // AlterConfigs replaces a topic's whole config: restate min.insync.replicas with it.
          configEntries: [
            { name: 'retention.ms', value: String(spec.retentionMs) },
            { name: 'min.insync.replicas', value: String(replication.minInsyncReplicas) },
          ],
        })),
      });
    }
    return missing.map((spec) => spec.topic);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Until every partition of the new topics has a leader. kafkajs' own `waitForLeaders` retries
 * only "leader not available"; a busy broker first answers "does not host this
 * topic-partition" for a topic it has just created, which it would throw.
 */
async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
      if (metadata.every((topic) => topic.partitions.length > 0 && topic.partitions.every((partition) => partition.leader >= 0))) return;
    } catch (error) {
      if (!(error instanceof KafkaJSProtocolError) || !error.retriable || Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`topics without a leader after ${timeoutMs} ms: ${topics.join(', ')}`);
    await sleep(200);
  }
}

export async function deleteTopics(brokers: string[], topics: string[], security?: KafkaSecurity): Promise<void> {
  const admin = createKafka('topic-admin', brokers, security).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((topic) => existing.has(topic));
    if (present.length > 0) await admin.deleteTopics({ topics: present, timeout: 10_000 });
  } finally {
    await admin.disconnect();
  }
}
