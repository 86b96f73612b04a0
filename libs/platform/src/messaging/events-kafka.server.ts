import { Logger } from '@nestjs/common';
import { KafkaContext, ServerKafka } from '@nestjs/microservices';
import {
  DeadLetterHeaders,
  decodeEvent,
  deadLetterTopic,
  EventEnvelope,
  eventTypesConsumedBy,
  InvalidEventError,
  topicName,
  topicsConsumedBy,
} from '@orders/events';
import { Consumer, EachBatchPayload, EachMessagePayload, IHeaders, KafkaMessage, Partitioners } from 'kafkajs';
import { isObservable, lastValueFrom } from 'rxjs';
import { isTransientError } from '../database/transient-errors';
import { counter, histogram, LATENCY_BUCKETS } from '../observability/metrics';
import { withConsumerSpan } from '../observability/tracing';
import { createKafka } from './kafka-client';
import { MessagingSettings } from './messaging-settings';

const consumed = counter({
  name: 'kafka_messages_consumed_total',
  help: 'Messages handled, by outcome',
  labelNames: ['service', 'topic', 'event_type', 'outcome'],
});
const handleSeconds = histogram({
  name: 'kafka_handler_duration_seconds',
  help: 'Time spent handling one event',
  labelNames: ['service', 'event_type'],
  buckets: LATENCY_BUCKETS,
});
const deadLettered = counter({ name: 'dlq_messages_total', help: 'Messages sent to a dead-letter topic', labelNames: ['service', 'topic'] });

/** Keys of one partition's batch handled at the same time, when the settings do not say. */
const DEFAULT_KEY_CONCURRENCY = 8;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The Nest Kafka transport, specialised for the saga's contract:
 * - subscribes to the topics that carry events this service consumes (from libs/events),
 *   under the deployment's topic prefix, from the earliest offset for a new group;
 * - validates every message against the contract before a handler sees it and routes
 *   it to the `@EventPattern(eventType)` handler;
 * - retries a failing handler: without limit while a dependency is away (the partition
 *   waits, nothing is skipped), a few times with backoff for any other error, then sends
 *   the message to the topic's dead-letter twin so the partition keeps moving;
 * - consumes by batch (`eachBatch`, trap #1 of perf-notes): within a partition's batch,
 *   messages of one key (one order, one sku) run one after another in offset order, and
 *   different keys run concurrently (up to `keyConcurrency`), so one slow transaction no
 *   longer holds up every other order of its partition;
 * - commits an offset only after its handler returned, and only for the contiguous prefix of
 *   the batch whose handlers all returned, so an effect is durable before its message — and
 *   every message before it — is acknowledged.
 */
export class EventsKafkaServer extends ServerKafka {
  protected override readonly logger = new Logger(EventsKafkaServer.name);
  private closing = false;

  constructor(private readonly settings: MessagingSettings) {
    super({
      postfixId: '',
      client: { clientId: settings.service, brokers: settings.brokers },
      consumer: {
        groupId: `${settings.topicPrefix}${settings.service}`,
        allowAutoTopicCreation: false,
        // A crashed member's partitions move after this long; handlers are short (charges
        // run off the consumer's path), and retries call heartbeat().
        sessionTimeout: 10_000,
        heartbeatInterval: 2_000,
        // An idle fetch returns after this long (data returns at once): bounds how long a
        // graceful shutdown waits for the in-flight fetch (kafkajs default: 5 s).
        maxWaitTimeInMs: 500,
        retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: Number.MAX_SAFE_INTEGER },
      },
      producer: { idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner },
      subscribe: { fromBeginning: true },
      run: { partitionsConsumedConcurrently: settings.partitionsConsumedConcurrently },
    });
  }

  override createClient<T = unknown>(): T {
    return createKafka(this.settings.service, this.settings.brokers, this.settings.security) as T;
  }

  override async close(): Promise<void> {
    this.closing = true;
    await super.close();
  }

  override async bindEvents(consumer: Consumer): Promise<void> {
    const missing = eventTypesConsumedBy(this.settings.service).filter((type) => !this.messageHandlers.has(type));
    if (missing.length > 0) throw new Error(`${this.settings.service} consumes ${missing.join(', ')} but has no handler`);

    const topics = topicsConsumedBy(this.settings.service).map((topic) => topicName(topic, this.settings.topicPrefix));
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: this.settings.partitionsConsumedConcurrently,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  /**
   * One partition's batch. Per-key lanes keep the order of events of one order (the saga's
   * ordering guarantee is per key: every message is keyed by order id, snapshots by sku);
   * offsets are resolved only up to the first message not yet handled.
   */
  async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale, pause } = payload;
    const messages = batch.messages;
    const lanes = new Map<string, KafkaMessage[]>();
    for (const message of messages) {
      const key = message.key?.toString('latin1') ?? '';
      const lane = lanes.get(key);
      if (lane) lane.push(message);
      else lanes.set(key, [message]);
    }
    const handled = new Set<string>();
    let next = 0;
    let failure: unknown = null;
    const markHandled = (offset: string) => {
      handled.add(offset);
      while (next < messages.length && handled.has(messages[next].offset)) resolveOffset(messages[next++].offset);
    };
    const stopped = () => failure !== null || !isRunning() || isStale();
    const queue = [...lanes.values()];
    const worker = async () => {
      for (let lane = queue.shift(); lane; lane = queue.shift()) {
        for (const message of lane) {
          if (stopped()) return;
          try {
            await this.handleMessage({ topic: batch.topic, partition: batch.partition, message, heartbeat, pause });
          } catch (error) {
            failure ??= error;
            return;
          }
          markHandled(message.offset);
          // kafkajs sends a heartbeat only when heartbeatInterval has passed: cheap to call often.
          await heartbeat().catch(() => undefined);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.settings.keyConcurrency ?? DEFAULT_KEY_CONCURRENCY, lanes.size) }, worker));
    await commitOffsetsIfNecessary();
    if (failure !== null) throw failure;
  }

  override async handleMessage(payload: EachMessagePayload): Promise<void> {
    const { topic, message } = payload;
    let envelope: EventEnvelope;
    try {
      envelope = decodeEvent(message.value).envelope;
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      consumed.inc({ service: this.settings.service, topic, event_type: 'invalid', outcome: 'dead_lettered' });
      await this.deadLetter(payload, error.reason, 1);
      return;
    }

    const handler = this.getHandlerByPattern(envelope.eventType);
    if (!handler) {
      // Another consumer's event on a shared topic.
      consumed.inc({ service: this.settings.service, topic, event_type: envelope.eventType, outcome: 'ignored' });
      return;
    }

    const context = new KafkaContext([message, payload.partition, topic, this.consumer!, payload.heartbeat, this.producer!]);
    const stopTimer = handleSeconds.startTimer({ service: this.settings.service, event_type: envelope.eventType });
    for (let attempt = 1; ; attempt++) {
      try {
        await withConsumerSpan(envelope, message.headers, this.settings.service, async () => {
          const result = await handler(envelope, context);
          if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
        });
        stopTimer();
        consumed.inc({ service: this.settings.service, topic, event_type: envelope.eventType, outcome: 'handled' });
        return;
      } catch (error) {
        // Stopping: leave the offset uncommitted; the message is redelivered after restart.
        if (this.closing) throw error;
        const transient = isTransientError(error);
        if (!transient && attempt >= this.settings.maxHandlerAttempts) {
          stopTimer();
          consumed.inc({ service: this.settings.service, topic, event_type: envelope.eventType, outcome: 'dead_lettered' });
          await this.deadLetter(payload, describeError(error), attempt);
          return;
        }
        if (attempt === 1 || attempt % 10 === 0) {
          this.logger.warn(
            `${envelope.eventType} ${envelope.eventId} (order ${envelope.orderId}) failed, attempt ${attempt}, ${transient ? 'dependency away, waiting' : 'will retry'}: ${describeError(error)}`,
          );
        }
        await sleep(Math.min(5_000, 100 * 2 ** Math.min(attempt - 1, 6)));
        await payload.heartbeat().catch(() => undefined);
      }
    }
  }

  /** Sends the original message, with its headers and the reason, to the dead-letter topic. */
  private async deadLetter(payload: EachMessagePayload, reason: string, attempts: number): Promise<void> {
    const { topic, partition, message } = payload;
    const source = topic.startsWith(this.settings.topicPrefix) ? topic.slice(this.settings.topicPrefix.length) : topic;
    const headers: IHeaders = {
      ...message.headers,
      [DeadLetterHeaders.Error]: reason.slice(0, 2_000),
      [DeadLetterHeaders.SourceTopic]: topic,
      [DeadLetterHeaders.SourcePartition]: String(partition),
      [DeadLetterHeaders.SourceOffset]: message.offset,
      [DeadLetterHeaders.Consumer]: this.settings.service,
      [DeadLetterHeaders.FailedAt]: new Date().toISOString(),
      [DeadLetterHeaders.Attempts]: String(attempts),
    };
    this.logger.error(`dead-lettering ${topic}[${partition}]@${message.offset}: ${reason}`);
    await this.producer!.send({
      topic: deadLetterTopic(source, this.settings.topicPrefix),
      acks: -1,
      messages: [{ key: message.key, value: message.value, headers }],
    });
    deadLettered.inc({ service: this.settings.service, topic: source });
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  if (error && typeof error === 'object') return JSON.stringify(error).slice(0, 500);
  return String(error);
}
