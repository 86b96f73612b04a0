import { DeadLetterHeaders, deadLetterTopic, topicName } from '@orders/events';
import { IHeaders, KafkaMessage } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { KafkaSecurity } from '@orders/platform-config';
import { createKafka } from './kafka-client';

interface DeadLetter {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  error: string;
  consumer: string;
  sourceTopic: string;
  sourcePartition: string;
  sourceOffset: string;
  failedAt: string;
  headers: Record<string, string>;
}

const header = (headers: IHeaders | undefined, name: string) => headers?.[name]?.toString() ?? '';

function toDeadLetter(partition: number, message: KafkaMessage): DeadLetter {
  const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, value?.toString() ?? '']));
  return {
    partition,
    offset: message.offset,
    key: message.key?.toString() ?? null,
    value: message.value?.toString() ?? null,
    error: header(message.headers, DeadLetterHeaders.Error),
    consumer: header(message.headers, DeadLetterHeaders.Consumer),
    sourceTopic: header(message.headers, DeadLetterHeaders.SourceTopic),
    sourcePartition: header(message.headers, DeadLetterHeaders.SourcePartition),
    sourceOffset: header(message.headers, DeadLetterHeaders.SourceOffset),
    failedAt: header(message.headers, DeadLetterHeaders.FailedAt),
    headers,
  };
}

/**
 * Reads a dead-letter topic from `groupId`'s position (or from the start for a throwaway
 * group) up to its current end, then stops.
 */
async function readToEnd(
  brokers: string[],
  topic: string,
  groupId: string,
  onMessage: (letter: DeadLetter) => void | Promise<void>,
  security?: KafkaSecurity,
): Promise<number> {
  const kafka = createKafka('dead-letters', brokers, security);
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
  await admin.disconnect();
  const position = new Map(committed[0]?.partitions.map((partition) => [partition.partition, Number(partition.offset)]) ?? []);
  const remaining = new Set(ends.filter((end) => Number(end.high) > Math.max(Number(end.low), position.get(end.partition) ?? -1)).map((end) => end.partition));
  if (remaining.size === 0) return 0;
  const high = new Map(ends.map((end) => [end.partition, Number(end.high)]));

  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 200 });
  let count = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            const end = high.get(partition);
            if (end === undefined || !remaining.has(partition)) return;
            await onMessage(toDeadLetter(partition, message));
            count += 1;
            if (Number(message.offset) + 1 >= end) {
              remaining.delete(partition);
              if (remaining.size === 0) resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return count;
}

/** Every message in the dead-letter twin of `topic` (e.g. `orders.events`), oldest first. */
export async function listDeadLetters(brokers: string[], prefix: string, topic: string, security?: KafkaSecurity): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  await readToEnd(
    brokers,
    deadLetterTopic(topic, prefix),
    `dead-letters-list-${randomUUID()}`,
    (letter) => {
      letters.push(letter);
    },
    security,
  );
  return letters;
}

/**
 * Publishes dead letters not re-driven before back to their source topic, with their
 * original key and headers. A durable consumer group remembers how far re-driving got,
 * so each dead letter is re-driven once; consumers drop what they already processed.
 */
export async function redriveDeadLetters(brokers: string[], prefix: string, topic: string, security?: KafkaSecurity): Promise<number> {
  const producer = createKafka('dead-letters', brokers, security).producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    return await readToEnd(
      brokers,
      deadLetterTopic(topic, prefix),
      `${prefix}dead-letters-redrive`,
      async (letter) => {
        const headers = Object.fromEntries(Object.entries(letter.headers).filter(([name]) => !name.startsWith('x-dlq-')));
        await producer.send({ topic: topicName(topic, prefix), acks: -1, messages: [{ key: letter.key, value: letter.value, headers }] });
      },
      security,
    );
  } finally {
    await producer.disconnect();
  }
}
