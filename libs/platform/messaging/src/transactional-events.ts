import { Inject, Injectable } from '@nestjs/common';
import type { Context } from '@opentelemetry/api';
import { EventEnvelope, EventHeaders, encodeEvent, findDefinition, messageKeyOf, topicName } from '@orders/events';
import { DataSource, EntityManager } from 'typeorm';
import { queryRows } from '@orders/platform-database';
import { counter, currentTraceHeaders } from '@orders/platform-observability';
import { afterCommit, withAfterCommit } from './after-commit';
import { EventBatch, type OutboxEntry } from './event-batch';
import { MESSAGING_SETTINGS, type MessagingSettings } from './messaging-settings';
import { OutboxRelay } from './outbox.relay';

const duplicates = counter({
  name: 'events_duplicate_total',
  help: 'Consumed events skipped because they were already processed',
  labelNames: ['service', 'event_type'],
});

export interface UnitOfWork<T> {
  result: T;
  events: EventEnvelope[];
}

/** Consumed events of one type, for one batch handler, in offset order. */
export interface ConsumedGroup {
  inbox: string;
  events: EventEnvelope[];
  handle: (batch: EventBatch) => Promise<void>;
}

export interface BatchOutcome {
  /** Event ids that were new and handled. */
  handled: Set<string>;
  /** How many events were already processed (redelivered), by event type. */
  duplicates: Map<string, number>;
}

/**
 * The one way a service changes state and emits events: both in one Postgres
 * transaction (transactional outbox), and, for consumed events, together with the
 * record that they were processed (inbox), so a redelivery changes nothing twice.
 */
@Injectable()
export class TransactionalEvents {
  constructor(
    private readonly dataSource: DataSource,
    private readonly relay: OutboxRelay,
    @Inject(MESSAGING_SETTINGS) private readonly settings: MessagingSettings,
  ) {}

  async run<T>(work: (manager: EntityManager) => Promise<UnitOfWork<T>>): Promise<T> {
    const { result, wrote } = await withAfterCommit(() =>
      this.dataSource.transaction(async (manager) => {
        const unit = await work(manager);
        return { result: unit.result, wrote: await this.append(manager, unit.events) };
      }),
    );
    if (wrote) this.relay.notify();
    return result;
  }

  /**
   * Like `run`, for a unit that writes events on behalf of many traces (a batch of payment
   * settlements): each outbox entry carries the trace context it continues.
   */
  async runTraced(work: (manager: EntityManager) => Promise<OutboxEntry[]>): Promise<void> {
    const wrote = await withAfterCommit(() => this.dataSource.transaction(async (manager) => this.appendEntries(manager, await work(manager))));
    if (wrote) this.relay.notify();
  }

  /**
   * The unit of work of a lane batch (see EventsKafkaServer): one transaction for every
   * group; the inbox check of all their events in one multi-row insert that returns what
   * was new; each group's batch handler with only its new events; every emitted event in
   * one outbox insert; one commit. Throws (and rolls everything back) if any part fails:
   * the caller isolates the bad message by splitting the batch.
   */
  async processBatch(groups: ConsumedGroup[], traces: ReadonlyMap<string, Context>): Promise<BatchOutcome> {
    const outbox: OutboxEntry[] = [];
    const outcome: BatchOutcome = { handled: new Set(), duplicates: new Map() };
    await withAfterCommit(() =>
      this.dataSource.transaction(async (manager) => {
        const fresh = await this.claim(manager, groups);
        for (const group of groups) {
          const events = group.events.filter((event) => {
            const isNew = fresh.delete(inboxKey(group.inbox, event.eventId));
            if (!isNew) outcome.duplicates.set(event.eventType, (outcome.duplicates.get(event.eventType) ?? 0) + 1);
            return isNew;
          });
          if (events.length === 0) continue;
          await group.handle(new EventBatch(events, manager, traces, outbox));
          for (const event of events) outcome.handled.add(event.eventId);
        }
        await this.appendEntries(manager, outbox);
        afterCommit(() => {
          for (const [eventType, count] of outcome.duplicates) duplicates.inc({ service: this.settings.service, event_type: eventType }, count);
        });
      }),
    );
    if (outbox.length > 0) this.relay.notify();
    return outcome;
  }

  /** Records every event of the unit in the inbox at once; returns the keys that were new. */
  private async claim(manager: EntityManager, groups: ConsumedGroup[]): Promise<Set<string>> {
    const consumers: string[] = [];
    const ids: string[] = [];
    const types: string[] = [];
    for (const group of groups) {
      for (const event of group.events) {
        consumers.push(group.inbox);
        ids.push(event.eventId);
        types.push(event.eventType);
      }
    }
    // ON CONFLICT DO NOTHING also drops a second copy of one event within the same statement.
    const rows = await queryRows<{ consumer: string; event_id: string }>(
      manager,
      `INSERT INTO processed_events (consumer, event_id, event_type)
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[])
       ON CONFLICT DO NOTHING RETURNING consumer, event_id`,
      [consumers, ids, types],
    );
    return new Set(rows.map((row) => inboxKey(row.consumer, row.event_id)));
  }

  /** Writes events to the outbox inside the caller's transaction. */
  async append(manager: EntityManager, events: EventEnvelope[]): Promise<boolean> {
    const trace = currentTraceHeaders();
    return this.appendEntries(
      manager,
      events.map((event) => ({ event, trace })),
    );
  }

  /** All entries in one statement of fixed text (arrays, not a VALUES list per batch size). */
  private async appendEntries(manager: EntityManager, entries: OutboxEntry[]): Promise<boolean> {
    if (entries.length === 0) return false;
    const columns: unknown[][] = [[], [], [], [], []];
    for (const entry of entries) this.outboxRow(entry).forEach((value, index) => columns[index].push(value));
    await queryRows(manager, `INSERT INTO outbox ${OUTBOX_COLUMNS} SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[])`, columns);
    return true;
  }

  /**
   * For a hot path that writes its whole unit of work in one statement (atomic on its own:
   * one round trip, no BEGIN/COMMIT): the outbox insert as the body of a data-modifying CTE
   * that writes only if the caller's CTE `onlyIf` returned a row. Parameters are numbered
   * from `firstParam`. After the statement: `notifyRelay()`.
   */
  outboxInsert(events: EventEnvelope[], firstParam: number, onlyIf: string): { sql: string; params: unknown[] } {
    const trace = currentTraceHeaders();
    const { values, params } = this.outboxValues(
      events.map((event) => ({ event, trace })),
      firstParam,
    );
    return { sql: `INSERT INTO outbox ${OUTBOX_COLUMNS} SELECT * FROM (${values}) AS v WHERE EXISTS (SELECT 1 FROM ${onlyIf})`, params };
  }

  notifyRelay(): void {
    this.relay.notify();
  }

  private outboxValues(entries: OutboxEntry[], firstParam: number): { values: string; params: unknown[] } {
    const params: unknown[] = [];
    const tuples = entries.map((entry, index) => {
      params.push(...this.outboxRow(entry));
      const base = firstParam + index * 5;
      return `($${base}::uuid, $${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}::jsonb)`;
    });
    return { values: `VALUES ${tuples.join(', ')}`, params };
  }

  /** event_id, topic, message_key, value, headers of one outbox row. */
  private outboxRow({ event, trace }: OutboxEntry): [string, string, string, string, string] {
    const definition = findDefinition(event.eventType, event.version);
    if (!definition) throw new Error(`event ${event.eventType} v${event.version} is not in the contract`);
    if (definition.producer !== this.settings.service) throw new Error(`${this.settings.service} does not produce ${event.eventType}`);
    const headers: Record<string, string> = {
      [EventHeaders.EventId]: event.eventId,
      [EventHeaders.EventType]: event.eventType,
      [EventHeaders.EventVersion]: String(event.version),
      [EventHeaders.Producer]: this.settings.service,
      ...trace,
    };
    return [event.eventId, topicName(definition.topic, this.settings.topicPrefix), messageKeyOf(event), encodeEvent(event), JSON.stringify(headers)];
  }
}

const OUTBOX_COLUMNS = '(event_id, topic, message_key, value, headers)';

const inboxKey = (consumer: string, eventId: string) => `${consumer}\u0000${eventId.toLowerCase()}`;
