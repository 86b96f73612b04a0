import { Injectable } from '@nestjs/common';
import { EventEnvelope, EventHeaders, encodeEvent, findDefinition, messageKeyOf, topicName } from '@orders/events';
import { Inject } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { counter } from '../observability/metrics';
import { currentTraceHeaders } from '../observability/trace-propagation';
import { MESSAGING_SETTINGS, type MessagingSettings } from './messaging-settings';
import { OutboxRelay } from './outbox.relay';
import { withAfterCommit } from './after-commit';

const duplicates = counter({
  name: 'events_duplicate_total',
  help: 'Consumed events skipped because they were already processed',
  labelNames: ['service', 'event_type'],
});

export interface UnitOfWork<T> {
  result: T;
  events: EventEnvelope[];
}

/**
 * The one way a service changes state and emits events: both in one Postgres
 * transaction (transactional outbox), and, for a consumed event, together with the
 * record that it was processed (inbox), so a redelivery changes nothing twice.
 */
@Injectable()
export class TransactionalEvents {
  constructor(
    private readonly dataSource: DataSource,
    private readonly relay: OutboxRelay,
    @Inject(MESSAGING_SETTINGS) private readonly settings: MessagingSettings,
  ) {}

  async run<T>(work: (manager: EntityManager) => Promise<UnitOfWork<T>>): Promise<T> {
    let wrote = false;
    const result = await withAfterCommit(() =>
      this.dataSource.transaction(async (manager) => {
        const unit = await work(manager);
        wrote = await this.append(manager, unit.events);
        return unit.result;
      }),
    );
    if (wrote) this.relay.notify();
    return result;
  }

  /**
   * Applies the effect of a consumed event exactly once per `consumer`.
   * Returns false when the event had already been processed.
   */
  async handleOnce(consumer: string, event: EventEnvelope, work: (manager: EntityManager) => Promise<EventEnvelope[] | void>): Promise<boolean> {
    let wrote = false;
    const firstTime = await withAfterCommit(() =>
      this.dataSource.transaction(async (manager) => {
        const claimed: unknown[] = await manager.query(
          'INSERT INTO processed_events (consumer, event_id, event_type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING event_id',
          [consumer, event.eventId, event.eventType],
        );
        if (claimed.length === 0) return false;
        const events = (await work(manager)) ?? [];
        wrote = await this.append(manager, events);
        return true;
      }),
    );
    if (!firstTime) duplicates.inc({ service: this.settings.service, event_type: event.eventType });
    if (wrote) this.relay.notify();
    return firstTime;
  }

  /** Writes events to the outbox inside the caller's transaction. */
  async append(manager: EntityManager, events: EventEnvelope[]): Promise<boolean> {
    if (events.length === 0) return false;
    const { values, params } = this.outboxValues(events, 1);
    await manager.query(`INSERT INTO outbox ${OUTBOX_COLUMNS} ${values}`, params);
    return true;
  }

  /**
   * For a hot path that writes its whole unit of work in one statement (atomic on its own:
   * one round trip, no BEGIN/COMMIT): the outbox insert as the body of a data-modifying CTE
   * that writes only if the caller's CTE `onlyIf` returned a row. Parameters are numbered
   * from `firstParam`. After the statement: `notifyRelay()`.
   */
  outboxInsert(events: EventEnvelope[], firstParam: number, onlyIf: string): { sql: string; params: unknown[] } {
    const { values, params } = this.outboxValues(events, firstParam);
    return { sql: `INSERT INTO outbox ${OUTBOX_COLUMNS} SELECT * FROM (${values}) AS v WHERE EXISTS (SELECT 1 FROM ${onlyIf})`, params };
  }

  notifyRelay(): void {
    this.relay.notify();
  }

  private outboxValues(events: EventEnvelope[], firstParam: number): { values: string; params: unknown[] } {
    const trace = currentTraceHeaders();
    const params: unknown[] = [];
    const tuples = events.map((event, index) => {
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
      params.push(event.eventId, topicName(definition.topic, this.settings.topicPrefix), messageKeyOf(event), encodeEvent(event), JSON.stringify(headers));
      const base = firstParam + index * 5;
      return `($${base}::uuid, $${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}::jsonb)`;
    });
    return { values: `VALUES ${tuples.join(', ')}`, params };
  }
}

const OUTBOX_COLUMNS = '(event_id, topic, message_key, value, headers)';
