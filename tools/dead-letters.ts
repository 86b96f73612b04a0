import 'reflect-metadata';
import { ALL_TOPICS } from '@orders/events';
import { listDeadLetters, redriveDeadLetters } from '@orders/platform-messaging';
import { loadConfig, ServiceConfig } from '@orders/platform-config';

const USAGE = `usage:
  node dist/tools/dead-letters.js list [topic]      show dead letters (all saga topics by default)
  node dist/tools/dead-letters.js redrive <topic>   publish dead letters of <topic> back to it (each once)
topics: ${ALL_TOPICS.join(', ')}   (KAFKA_BROKERS, KAFKA_TOPIC_PREFIX as for the services)`;

async function main(): Promise<void> {
  const [command, topic] = process.argv.slice(2);
  const config = loadConfig(ServiceConfig);
  const brokers = config.kafkaBrokers;
  const prefix = config.KAFKA_TOPIC_PREFIX;
  if (topic && !(ALL_TOPICS as readonly string[]).includes(topic)) throw new Error(`unknown topic ${topic}\n${USAGE}`);

  if (command === 'list') {
    for (const source of topic ? [topic] : ALL_TOPICS) {
      const letters = await listDeadLetters(brokers, prefix, source, config.kafkaSecurity);
      console.log(`${source}.dlq: ${letters.length} dead letter(s)`);
      for (const letter of letters) {
        console.log(
          `  [${letter.partition}@${letter.offset}] key=${letter.key} consumer=${letter.consumer} failed=${letter.failedAt} from=${letter.sourceTopic}[${letter.sourcePartition}]@${letter.sourceOffset}\n    error: ${letter.error}\n    value: ${(letter.value ?? '').slice(0, 300)}`,
        );
      }
    }
  } else if (command === 'redrive' && topic) {
    const count = await redriveDeadLetters(brokers, prefix, topic, config.kafkaSecurity);
    console.log(`${topic}: re-drove ${count} dead letter(s)`);
  } else {
    console.log(USAGE);
    process.exitCode = 2;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
