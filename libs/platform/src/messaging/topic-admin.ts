import { ALL_TOPICS, deadLetterTopic, TOPIC_PARTITIONS, topicName } from '@orders/events';
import { createKafka } from './kafka-client';

export interface TopicSpec {
  topic: string;
  numPartitions: number;
}

/** Every topic of the saga and its dead-letter twin, with the partitions the services need. */
export function sagaTopics(prefix = '', partitionsOverride?: number): TopicSpec[] {
  return ALL_TOPICS.flatMap((topic) => [
    { topic: topicName(topic, prefix), numPartitions: partitionsOverride ?? TOPIC_PARTITIONS[topic] },
    { topic: deadLetterTopic(topic, prefix), numPartitions: 1 },
  ]);
}

/** Creates missing topics explicitly (the broker does not auto-create). Idempotent. */
export async function ensureTopics(brokers: string[], specs: TopicSpec[]): Promise<string[]> {
  const admin = createKafka('topic-admin', brokers).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((spec) => !existing.has(spec.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((spec) => ({ topic: spec.topic, numPartitions: spec.numPartitions, replicationFactor: 1 })),
      });
    }
    return missing.map((spec) => spec.topic);
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(brokers: string[], topics: string[]): Promise<void> {
  const admin = createKafka('topic-admin', brokers).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((topic) => existing.has(topic));
    if (present.length > 0) await admin.deleteTopics({ topics: present, timeout: 10_000 });
  } finally {
    await admin.disconnect();
  }
}
