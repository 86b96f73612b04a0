import { Logger } from '@nestjs/common';
import { KafkaContext, MessageHandler, ServerKafka } from '@nestjs/microservices';
import {
  claimedEventType,
  DeadLetterHeaders,
  deadLetterTopic,
  EventEnvelope,
  eventTypesConsumedBy,
  InvalidEventError,
  parseEventValue,
  topicName,
  topicsConsumedBy,
  validateEvent,
} from '@orders/events';
import { Consumer, EachBatchPayload, IHeaders, KafkaMessage, Partitioners, Producer } from 'kafkajs';
import { isObservable, lastValueFrom } from 'rxjs';
import { isTransientError, retryBackoffMs, sleep } from '@orders/platform-async';
import { ConsumerSpan, counter, gauge, histogram, LATENCY_BUCKETS, startConsumerSpan, withConsumerSpan } from '@orders/platform-observability';
import { planGroups } from './batch-plan';
import { BatchHandlerExtras } from './event-batch';
import { GroupCommitQueue } from './group-commit';
import { createKafka } from './kafka-client';
import { MessagingSettings } from './messaging-settings';
import { BatchOutcome, ConsumedGroup, TransactionalEvents } from './transactional-events';

const consumed = counter({
  name: 'kafka_messages_consumed_total',
  help: 'Messages handled, by outcome',
  labelNames: ['service', 'topic', 'event_type', 'outcome'],
});
const handleSeconds = histogram({
  name: 'kafka_handler_duration_seconds',
  help: 'Time spent handling one unit of work (a lane batch, or one message alone), commit included',
  labelNames: ['service', 'event_type'],
  buckets: LATENCY_BUCKETS,
});
const unitSize = histogram({
  name: 'kafka_unit_of_work_size',
  help: 'Messages per unit of work (one transaction, one commit)',
  labelNames: ['service'],
  buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
});
const unitSplits = counter({
  name: 'kafka_unit_of_work_splits_total',
  help: 'Units of work split in halves to isolate a failing message',
  labelNames: ['service'],
});
const unitLanes = histogram({
  name: 'kafka_unit_of_work_lanes',
  help: 'Partition lanes whose units one transaction applied together (group commit)',
  labelNames: ['service'],
  buckets: [1, 2, 3, 4, 6, 8, 12],
});
const groupCommitUnits = gauge({
  name: 'kafka_group_commit_units',
  help: 'Lane units in the group commit: waiting for the next transaction, or committing in a running one',
  labelNames: ['service', 'state'],
});
const groupCommitFallbacks = counter({
  name: 'kafka_group_commit_fallback_units_total',
  help: 'Lane units handled on their own, as without group commit, after the combined transaction they were in failed',
  labelNames: ['service'],
});
const deadLettered = counter({ name: 'dlq_messages_total', help: 'Messages sent to a dead-letter topic', labelNames: ['service', 'topic'] });

/** Most messages one unit of work (one transaction) takes from a lane batch. */
const MAX_UNIT_SIZE = 500;
/**
 * A lane unit this large already spreads its transaction's fixed costs thin: it goes on its own
 * at once, beside the others, as without group commit (a backlog drains with every lane's
 * transaction in parallel; the group commit is for the trickle of small batches at steady load).
 */
const GROUP_COMMIT_BELOW = 100;

type Handler = MessageHandler & { extras?: Partial<BatchHandlerExtras> };

/** The inbox table of a batch handler (only those join a unit: see handleMessages). */
function inboxOf(handler: Handler): string {
  const inbox = handler.extras?.inbox;
  if (!inbox) throw new Error('a batch handler without an inbox table');
  return inbox;
}

/** A valid message of this partition's batch, with the handler its event type goes to. */
interface Decoded {
  message: KafkaMessage;
  envelope: EventEnvelope;
  handler: Handler;
  key: string;
  eventType: string;
}

interface Lane {
  topic: string;
  partition: number;
  heartbeat: () => Promise<void>;
  pause: EachBatchPayload['pause'];
  /** Still this member's partition, consumer running: its offsets may still be committed. */
  isLive: () => boolean;
}

/** One lane's messages for a transaction (alone, or with other lanes' under group commit). */
interface LaneUnit {
  lane: Lane;
  items: Decoded[];
}

/** An attempt already made on exactly this unit, which failed with `error`. */
interface FirstAttempt {
  error: unknown;
}

/**
 * The Nest Kafka transport, specialised for the saga's contract:
 * - subscribes to the topics that carry events this service consumes (from libs/events),
 *   under the deployment's topic prefix, from the earliest offset for a new group;
 * - validates every message it handles against the contract before a handler sees it (a
 *   message that breaks it goes to the dead-letter twin at once) and routes it by event type;
 *   another consumer's event on a shared topic is skipped on its type alone, unvalidated;
 * - **a lane batch is the unit of work** (`eachBatch`, trap #1 of perf-notes): the valid
 *   messages a partition fetched together (up to MAX_UNIT_SIZE) go, grouped by event type
 *   in per-key order, to the `@OnEventBatch(eventName, inbox)` batch handlers inside one
 *   transaction (TransactionalEvents.processBatch: one inbox insert, set-based effects, one
 *   outbox insert, one commit); the offset is committed after that commit;
 * - **group commit** (issue 17): the units that several lanes have ready at the same time go
 *   in one transaction (GroupCommitQueue: at most KAFKA_GROUP_COMMIT_IN_FLIGHT at once, the
 *   next one takes every waiting unit), so a steady trickle of tiny lane batches pays one
 *   BEGIN/COMMIT for all of them; each lane awaits its own unit before committing its offsets.
 *   If a combined transaction fails, each lane's unit takes the path below on its own;
 * - **one bad message never holds the batch**: a unit that fails for a reason other than a
 *   dependency being away is split in halves, recursively, until the failing message stands
 *   alone; that one is retried a few times with backoff, then dead-lettered; the others
 *   commit. While a dependency is away (transient error) the unit is retried as a whole,
 *   without limit: the partition waits and nothing is skipped;
 * - a handler declared with a plain `@EventPattern` (no inbox: a cache update) is called per
 *   message, outside a transaction, with the same retry and dead-letter rules.
 */
export class EventsKafkaServer extends ServerKafka {
  protected override readonly logger = new Logger(EventsKafkaServer.name);
  private closing = false;
  private readonly handlersByType = new Map<string, Handler | null>();
  /** Unset: group commit off, each lane applies its own units (KAFKA_GROUP_COMMIT_IN_FLIGHT=0). */
  private readonly groupCommit?: GroupCommitQueue<LaneUnit>;

  constructor(
    private readonly settings: MessagingSettings,
    private readonly events: TransactionalEvents,
  ) {
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
    if (settings.groupCommitInFlight > 0) {
      this.groupCommit = new GroupCommitQueue<LaneUnit>(
        { maxInFlight: settings.groupCommitInFlight, maxMessages: MAX_UNIT_SIZE },
        {
          commit: (parts) => this.applyUnit(parts),
          size: (part) => part.items.length,
          isLive: (part) => !this.closing && part.lane.isLive(),
          onChange: ({ waiting, committing }) => {
            groupCommitUnits.set({ service: settings.service, state: 'waiting' }, waiting);
            groupCommitUnits.set({ service: settings.service, state: 'committing' }, committing);
          },
        },
      );
    }
  }

  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- ServerKafka's signature, overridden
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
   * One partition's batch, in units of at most MAX_UNIT_SIZE messages: each unit is handled
   * (committed, or its bad message dead-lettered) before its offsets are resolved and committed.
   */
  async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const lane: Lane = {
      topic: batch.topic,
      partition: batch.partition,
      heartbeat: () => payload.heartbeat(),
      pause: () => payload.pause(),
      isLive: () => payload.isRunning() && !payload.isStale(),
    };
    for (let start = 0; start < batch.messages.length; start += MAX_UNIT_SIZE) {
      if (!lane.isLive()) return;
      const messages = batch.messages.slice(start, start + MAX_UNIT_SIZE);
      // Not all handled: the lane went away while its unit waited; offsets stay uncommitted.
      if (!(await this.handleMessages(lane, messages))) return;
      payload.resolveOffset(messages[messages.length - 1].offset);
      await payload.commitOffsetsIfNecessary();
      // kafkajs sends a heartbeat only when heartbeatInterval has passed: cheap to call often.
      await payload.heartbeat().catch(() => undefined);
    }
  }

  /**
   * The handler of an event type, looked up once: Nest's getHandlerByPattern tries to parse every
   * pattern as JSON (and throws inside for a plain string), a measurable share of the consumer's
   * CPU when done per message.
   */
  private handlerFor(eventType: string): Handler | null {
    let handler = this.handlersByType.get(eventType);
    if (handler === undefined) {
      handler = (this.getHandlerByPattern(eventType) as Handler | null) ?? null;
      this.handlersByType.set(eventType, handler);
    }
    return handler;
  }

  /** Kafka's clients exist from listen() on; messages arrive only after it. */
  private connectedConsumer(): Consumer {
    if (!this.consumer) throw new Error('the Kafka consumer is not connected');
    return this.consumer;
  }

  private connectedProducer(): Producer {
    if (!this.producer) throw new Error('the Kafka producer is not connected');
    return this.producer;
  }

  /**
   * Decodes the messages, dead-letters what breaks the contract, and runs the rest in units.
   * False if the lane went away before all were handled (its offsets must not be committed).
   */
  private async handleMessages(lane: Lane, messages: KafkaMessage[]): Promise<boolean> {
    let unit: Decoded[] = [];
    const ignored = new Map<string, number>();
    for (const message of messages) {
      let envelope: EventEnvelope;
      try {
        const fields = parseEventValue(message.value);
        // Another consumer's event on a shared topic: skipped on its type alone, since validating
        // it would cost more than anything else this consumer does with it. A message whose type
        // is not the contract's is validated, so it is dead-lettered as before.
        const eventType = claimedEventType(fields);
        if (eventType !== undefined && !this.handlerFor(eventType)) {
          ignored.set(eventType, (ignored.get(eventType) ?? 0) + 1);
          continue;
        }
        envelope = validateEvent(fields).envelope;
      } catch (error) {
        if (!(error instanceof InvalidEventError)) throw error;
        consumed.inc({ service: this.settings.service, topic: lane.topic, event_type: 'invalid', outcome: 'dead_lettered' });
        await this.deadLetter(lane, message, error.reason, 1);
        continue;
      }
      const handler = this.handlerFor(envelope.eventType);
      if (!handler) continue; // never: valid, so its type is the contract's, found handled above
      const decoded: Decoded = { message, envelope, handler, key: message.key?.toString('latin1') ?? '', eventType: envelope.eventType };
      if (handler.extras?.inbox) {
        unit.push(decoded);
        continue;
      }
      // A per-message handler: what came before it first, in offset order.
      if (!(await this.commitUnit(lane, unit))) return false;
      unit = [];
      await this.runAlone(lane, decoded, () => this.invokeOne(lane, decoded));
    }
    if (!(await this.commitUnit(lane, unit))) return false;
    for (const [eventType, count] of ignored) {
      consumed.inc({ service: this.settings.service, topic: lane.topic, event_type: eventType, outcome: 'ignored' }, count);
    }
    return true;
  }

  /**
   * A lane's unit, through the group commit (one transaction with the units other lanes have
   * ready at the same time) when it is on. Only the happy path is combined: if the combined
   * transaction fails, this unit takes today's path on its own (runUnit: bisection, waiting
   * out a dependency, dead letters). False if the lane went away before the unit's turn.
   */
  private async commitUnit(lane: Lane, unit: Decoded[]): Promise<boolean> {
    if (unit.length === 0) return true;
    if (!this.groupCommit || unit.length >= GROUP_COMMIT_BELOW) {
      await this.runUnit(lane, unit);
      return true;
    }
    const outcome = await this.groupCommit.submit({ lane, items: unit });
    if (outcome.kind === 'abandoned') return false;
    if (outcome.kind === 'committed') return true;
    // Stopping: leave the offsets uncommitted; the unit is redelivered after restart.
    if (this.closing) throw outcome.error;
    if (outcome.alone) {
      // Its own first attempt: today's path carries on from there (no extra attempt).
      await this.runUnit(lane, unit, { error: outcome.error });
    } else {
      groupCommitFallbacks.inc({ service: this.settings.service });
      this.logger.warn(
        `a combined unit failed (${describeError(outcome.error)}): ${lane.topic}[${lane.partition}]'s ${unit.length} messages are retried on their own`,
      );
      await this.runUnit(lane, unit);
    }
    return true;
  }

  /**
   * Applies a unit; when it fails for a reason of its own (not a dependency away), splits it
   * in halves, first half first (so per-key order holds), until the failing message is alone.
   * `made`: the first attempt was already made (by a group commit of this unit alone).
   */
  private async runUnit(lane: Lane, unit: Decoded[], made?: FirstAttempt): Promise<void> {
    if (unit.length === 0) return;
    if (unit.length === 1) return this.runAlone(lane, unit[0], () => this.applyUnit([{ lane, items: unit }]), made);
    for (let attempt = 1; ; attempt++) {
      try {
        if (attempt === 1 && made) throw made.error;
        await this.applyUnit([{ lane, items: unit }]);
        return;
      } catch (error) {
        if (this.closing) throw error;
        if (!isTransientError(error)) {
          unitSplits.inc({ service: this.settings.service });
          this.logger.warn(
            `a unit of ${unit.length} messages from ${lane.topic}[${lane.partition}] failed (${describeError(error)}): splitting it to isolate the message at fault`,
          );
          const middle = Math.ceil(unit.length / 2);
          await this.runUnit(lane, unit.slice(0, middle));
          await this.runUnit(lane, unit.slice(middle));
          return;
        }
        if (attempt === 1 || attempt % 10 === 0) {
          this.logger.warn(
            `a unit of ${unit.length} messages from ${lane.topic}[${lane.partition}] failed, attempt ${attempt}, dependency away, waiting: ${describeError(error)}`,
          );
        }
        await sleep(retryBackoffMs(attempt));
        await lane.heartbeat().catch(() => undefined);
      }
    }
  }

  /**
   * One transaction for the units of one or more lanes: their events grouped by type (per-key
   * order holds: a key lives on one partition), each group to its batch handler.
   */
  private async applyUnit(parts: LaneUnit[]): Promise<void> {
    const service = this.settings.service;
    const unit = parts.flatMap((part) => part.items);
    const lane = parts[0].lane;
    const spans = new Map<string, ConsumerSpan>();
    for (const item of unit) {
      if (!spans.has(item.envelope.eventId)) spans.set(item.envelope.eventId, startConsumerSpan(item.envelope, item.message.headers, service));
    }
    const traces = new Map([...spans].map(([eventId, span]) => [eventId, span.context]));
    const context = new KafkaContext([unit[0].message, lane.partition, lane.topic, this.connectedConsumer(), lane.heartbeat, this.connectedProducer()]);
    const groups: ConsumedGroup[] = planGroups(unit).map((items) => ({
      inbox: inboxOf(items[0].handler),
      events: items.map((item) => item.envelope),
      handle: async (batch) => {
        const result: unknown = await items[0].handler(batch, context);
        if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
      },
    }));
    const stopTimer = handleSeconds.startTimer({ service, event_type: unit[0].eventType });
    // A large unit waiting on hot rows must not let the session expire (a rebalance would
    // hand the partition to another member and redeliver the unit): trap #3 of perf-notes.
    // Every lane in it: each waits on this transaction.
    const heartbeats = setInterval(() => {
      for (const part of parts) void part.lane.heartbeat().catch(() => undefined);
    }, 1_000);
    let outcome: BatchOutcome;
    try {
      outcome = await this.events.processBatch(groups, traces);
    } catch (error) {
      for (const span of spans.values()) span.end(error);
      throw error;
    } finally {
      clearInterval(heartbeats);
    }
    stopTimer();
    for (const span of spans.values()) span.end();
    unitSize.observe({ service }, unit.length);
    unitLanes.observe({ service }, parts.length);
    const counts = new Map<string, number>();
    for (const {
      lane: { topic },
      items,
    } of parts) {
      for (const item of items) {
        const outcomeLabel = outcome.handled.has(item.envelope.eventId) ? 'handled' : 'duplicate';
        const label = `${topic}\u0000${item.eventType}\u0000${outcomeLabel}`;
        counts.set(label, (counts.get(label) ?? 0) + 1);
      }
    }
    for (const [label, count] of counts) {
      const [topic, eventType, outcomeLabel] = label.split('\u0000');
      consumed.inc({ service, topic, event_type: eventType, outcome: outcomeLabel }, count);
    }
  }

  /** A per-message handler (no inbox, no transaction of the transport's). */
  private async invokeOne(lane: Lane, item: Decoded): Promise<void> {
    await withConsumerSpan(item.envelope, item.message.headers, this.settings.service, async () => {
      const result: unknown = await item.handler(item.envelope, undefined);
      if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
    });
    consumed.inc({ service: this.settings.service, topic: lane.topic, event_type: item.eventType, outcome: 'handled' });
  }

  /**
   * One message on its own: retried without limit while a dependency is away (the partition
   * waits, nothing is skipped), a few times with backoff for any other error, then sent to
   * the topic's dead-letter twin so the partition keeps moving.
   */
  private async runAlone(lane: Lane, item: Decoded, apply: () => Promise<void>, made?: FirstAttempt): Promise<void> {
    const { envelope } = item;
    for (let attempt = 1; ; attempt++) {
      try {
        if (attempt === 1 && made) throw made.error;
        await apply();
        return;
      } catch (error) {
        // Stopping: leave the offset uncommitted; the message is redelivered after restart.
        if (this.closing) throw error;
        const transient = isTransientError(error);
        if (!transient && attempt >= this.settings.maxHandlerAttempts) {
          consumed.inc({ service: this.settings.service, topic: lane.topic, event_type: envelope.eventType, outcome: 'dead_lettered' });
          await this.deadLetter(lane, item.message, describeError(error), attempt);
          return;
        }
        if (attempt === 1 || attempt % 10 === 0) {
          this.logger.warn(
            `${envelope.eventType} ${envelope.eventId} (order ${envelope.orderId}) failed, attempt ${attempt}, ${transient ? 'dependency away, waiting' : 'will retry'}: ${describeError(error)}`,
          );
        }
        await sleep(retryBackoffMs(attempt));
        await lane.heartbeat().catch(() => undefined);
      }
    }
  }

  /** Sends the original message, with its headers and the reason, to the dead-letter topic. */
  private async deadLetter(lane: Lane, message: KafkaMessage, reason: string, attempts: number): Promise<void> {
    const { topic, partition } = lane;
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
    await this.connectedProducer().send({
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
