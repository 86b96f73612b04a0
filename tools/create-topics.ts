import 'reflect-metadata';
import { ensureTopics, sagaTopics } from '@orders/platform-messaging';
import { loadConfig, ServiceConfig } from '@orders/platform-config';

/** Creates every saga topic and its dead-letter twin with the partitions the services need, and sets their retention. */
async function main(): Promise<void> {
  const config = loadConfig(ServiceConfig);
  const created = await ensureTopics(
    config.kafkaBrokers,
    sagaTopics(config.KAFKA_TOPIC_PREFIX, undefined, {
      topicHours: config.KAFKA_TOPIC_RETENTION_HOURS,
      deadLetterHours: config.KAFKA_DEAD_LETTER_RETENTION_HOURS,
    }),
    {
      security: config.kafkaSecurity,
      replication: { factor: config.KAFKA_TOPIC_REPLICATION_FACTOR, minInsyncReplicas: config.KAFKA_TOPIC_MIN_INSYNC_REPLICAS },
    },
  );
  console.log(created.length > 0 ? `topics: created ${created.join(', ')}` : 'topics: all present');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
