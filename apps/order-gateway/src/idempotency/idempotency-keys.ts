import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Services } from '@orders/events';
import { inSpan } from '@orders/platform-observability';
import { queryRows } from '@orders/platform-database';
import { DataSource } from 'typeorm';
import { runSql, Sql, sql } from '../database/sql';

/** A claim whose request died (crash, timeout) can be taken over after this long. */
const CLAIM_LEASE_SECONDS = 30;

/**
 * Every stored answer is an accepted order. The status column predates the idempotent-command
 * wrapper (whose answers carry no HTTP status); it is still written for the rows an older
 * replica may replay during a rolling upgrade.
 */
const ACCEPTED = 202;

/** A user's Idempotency-Key: keys are per user (Stripe's semantics), so two users' equal keys never meet. */
export interface UserKey {
  userId: string;
  key: string;
}

/** A key found already taken. */
export interface TakenKey {
  fingerprint: string;
  state: 'IN_FLIGHT' | 'COMPLETED';
  /** The stored answer (COMPLETED only). */
  answer: unknown;
  /** An IN_FLIGHT claim's lease, or a COMPLETED key's hold (Prefer: wait), has run out. */
  lapsed: boolean;
}

/**
 * The SQL of idempotency_keys, one row per user and key: claimed IN_FLIGHT with a lease,
 * COMPLETED with the answer to replay. The rules that decide between these live in
 * IdempotentCommands; keys older than IDEMPOTENCY_RETENTION_HOURS are deleted by the
 * platform's RetentionJob.
 */
@Injectable()
export class IdempotencyKeys {
  private readonly logger = new Logger(IdempotencyKeys.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Claims the key and, in the same statement (one round trip instead of two), evaluates
   * `read`, a JSON-valued expression for what the command needs (e.g. catalog prices).
   */
  async claimReading(userKey: UserKey, fingerprint: string, read: Sql): Promise<{ claimed: boolean; read: unknown }> {
    const [row] = await runSql<{ claimed: boolean; read: unknown }>(
      this.dataSource,
      sql`WITH claimed AS (${this.insertClaim(userKey, fingerprint)})
          SELECT EXISTS (SELECT 1 FROM claimed) AS claimed, (${read}) AS read`,
    );
    return row;
  }

  async claim(userKey: UserKey, fingerprint: string): Promise<boolean> {
    return (await runSql(this.dataSource, this.insertClaim(userKey, fingerprint))).length > 0;
  }

  async find({ userId, key }: UserKey): Promise<TakenKey | undefined> {
    const [row] = await runSql<TakenKey>(
      this.dataSource,
      sql`SELECT fingerprint, state, response_body AS answer, locked_until < now() AS lapsed
            FROM idempotency_keys WHERE user_id = ${userId} AND key = ${key}`,
    );
    return row;
  }

  /** Takes over an IN_FLIGHT claim whose lease ran out; false if someone else was faster. */
  async takeOver({ userId, key }: UserKey): Promise<boolean> {
    const rows = await runSql(
      this.dataSource,
      sql`UPDATE idempotency_keys SET locked_until = now() + ${CLAIM_LEASE_SECONDS} * interval '1 second'
           WHERE user_id = ${userId} AND key = ${key} AND state = 'IN_FLIGHT' AND locked_until < now() RETURNING key`,
    );
    return rows.length > 0;
  }

  /**
   * Stores the answer in the statement that writes the command's effects: `writes` are
   * data-modifying CTEs that select FROM `completed`, the UPDATE that completes the claim,
   * which returns a row only while the claim is still IN_FLIGHT. If a request outlived its
   * lease and another one took the key over and finished first, this UPDATE (which waits for
   * that row lock, then re-checks) matches nothing and nothing is written, so one key never
   * yields two results. Returns whether the claim was completed. `answer.id` is recorded as
   * the key's order_id.
   *
   * `holdSeconds` > 0 when the request will hold its answer (Prefer: wait): until then, or
   * until recordHeldAnswer stores what it answered, a repeat is "in flight", never a replay
   * of an answer the first caller has not even received. If the holder dies, the stored
   * answer is replayed once the hold lapses.
   */
  async complete({ userId, key }: UserKey, answer: { id: string }, holdSeconds: number, writes: Sql, spanName: string): Promise<boolean> {
    // Rendered before the span: an outbox fragment records the span active when it is
    // rendered (the use case's) as the trace parent of its events.
    const { text, params } = sql`
      WITH completed AS (
        UPDATE idempotency_keys
           SET state = 'COMPLETED', response_status = ${ACCEPTED}::int, response_body = ${JSON.stringify(answer)}::jsonb, order_id = ${answer.id}::uuid,
               locked_until = now() + ${holdSeconds}::int * interval '1 second'
         WHERE user_id = ${userId} AND key = ${key} AND state = 'IN_FLIGHT' RETURNING key),
      ${writes}
      SELECT EXISTS (SELECT 1 FROM completed) AS completed`.toQuery();
    const [row] = await inSpan(Services.OrderGateway, spanName, () => queryRows<{ completed: boolean }>(this.dataSource, text, params));
    return row.completed;
  }

  /** What a request that held its answer (Prefer: wait) finally answered: from now on, the replayed answer. */
  async recordHeldAnswer({ userId, key }: UserKey, answer: unknown): Promise<void> {
    await runSql(
      this.dataSource,
      sql`UPDATE idempotency_keys SET response_status = ${ACCEPTED}::int, response_body = ${JSON.stringify(answer)}::jsonb, locked_until = now()
           WHERE user_id = ${userId} AND key = ${key} AND state = 'COMPLETED'`,
    );
  }

  /** The request failed before completing: the key is free for a retry. */
  async release({ userId, key }: UserKey): Promise<void> {
    await runSql(this.dataSource, sql`DELETE FROM idempotency_keys WHERE user_id = ${userId} AND key = ${key} AND state = 'IN_FLIGHT'`).catch(
      (error: unknown) => {
        this.logger.warn(`could not release idempotency key: ${(error as Error).message}`);
      },
    );
  }

  private insertClaim({ userId, key }: UserKey, fingerprint: string): Sql {
    return sql`INSERT INTO idempotency_keys (user_id, key, fingerprint, state, locked_until)
               VALUES (${userId}, ${key}, ${fingerprint}, 'IN_FLIGHT', now() + ${CLAIM_LEASE_SECONDS} * interval '1 second')
               ON CONFLICT DO NOTHING RETURNING key`;
  }
}
