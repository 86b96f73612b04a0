import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Services } from '@orders/events';
import { inSpan } from '@orders/platform-observability';
import { queryRows } from '@orders/platform-database';
import { DataSource } from 'typeorm';
import { runSql, Sql, sql } from '../database/sql';

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
  /** IN_FLIGHT only in rows an older replica claimed (it kept its claims here, not in Redis). */
  state: 'IN_FLIGHT' | 'COMPLETED';
  /** The stored answer (COMPLETED only). */
  answer: unknown;
  /** An IN_FLIGHT claim's lease, or a COMPLETED key's hold (Prefer: wait), has run out. */
  lapsed: boolean;
}

/** A condition the writes depend on, checked in their statement; when it does not hold nothing is written and `actual` is read instead. */
export interface Premise {
  /** A boolean SQL expression. */
  holds: Sql;
  /** A JSON-valued SQL expression: what the premise should have been. */
  actual: Sql;
}

export type Completion = { kind: 'completed' } | { kind: 'taken' } | { kind: 'premise-failed'; actual: unknown };

/** What a completing statement stores and writes. */
export interface Completing {
  answer: { id: string };
  /** Data-modifying CTEs that select FROM `completed`. */
  writes: Sql;
  premise?: Premise;
  /** > 0 when the request will hold its answer (Prefer: wait); see complete. */
  holdSeconds: number;
}

/**
 * The SQL of idempotency_keys, one row per user and key, written COMPLETED with the answer to
 * replay (in-flight claims live in Redis: IdempotencyClaims). The rules that decide between
 * replay, conflict and "in flight" live in IdempotentCommands; keys older than
 * IDEMPOTENCY_RETENTION_HOURS are deleted by the platform's RetentionJob.
 */
@Injectable()
export class IdempotencyKeys {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async find({ userId, key }: UserKey): Promise<TakenKey | undefined> {
    const [row] = await runSql<TakenKey>(
      this.dataSource,
      sql`SELECT fingerprint, state, response_body AS answer, locked_until < now() AS lapsed
            FROM idempotency_keys WHERE user_id = ${userId} AND key = ${key}`,
    );
    return row;
  }

  /**
   * One autocommit statement: stores the key COMPLETED with its answer and writes the
   * command's effects (`writes` select FROM `completed`, the INSERT of the key, which returns
   * a row only if the key was free). The primary key is the last word on "at most once"
   * whatever Redis said (restarted, unreachable, lease lapsed): a concurrent insert of the same
   * key waits for the first, then finds the conflict and writes nothing ('taken'). A lapsed
   * IN_FLIGHT row with the same fingerprint, left by an older replica that died mid-request,
   * is taken over.
   *
   * `premise` is checked in the same snapshot: if it does not hold, nothing is written and
   * what `premise.actual` reads is returned. `answer.id` is recorded as the key's order_id.
   *
   * `holdSeconds` > 0 when the request will hold its answer (Prefer: wait): until then, or
   * until recordHeldAnswer stores what it answered, a repeat is "in flight", never a replay
   * of an answer the first caller has not even received. If the holder dies, the stored
   * answer is replayed once the hold lapses.
   */
  async complete({ userId, key }: UserKey, fingerprint: string, completing: Completing, spanName: string): Promise<Completion> {
    const { answer, writes, premise, holdSeconds } = completing;
    // Rendered before the span: an outbox fragment records the span active when it is
    // rendered (the use case's) as the trace parent of its events.
    const { text, params } = sql`
      WITH premise AS (SELECT ${premise?.holds ?? sql`true`} AS holds),
      completed AS (
        INSERT INTO idempotency_keys AS k (user_id, key, fingerprint, state, response_status, response_body, order_id, locked_until)
        SELECT ${userId}, ${key}, ${fingerprint}, 'COMPLETED', ${ACCEPTED}::int, ${JSON.stringify(answer)}::jsonb, ${answer.id}::uuid,
               now() + ${holdSeconds}::int * interval '1 second'
          FROM premise WHERE premise.holds
        ON CONFLICT (user_id, key) DO UPDATE
           SET state = 'COMPLETED', response_status = EXCLUDED.response_status, response_body = EXCLUDED.response_body,
               order_id = EXCLUDED.order_id, locked_until = EXCLUDED.locked_until
         WHERE k.state = 'IN_FLIGHT' AND k.locked_until < now() AND k.fingerprint = EXCLUDED.fingerprint
        RETURNING key),
      ${writes}
      SELECT EXISTS (SELECT 1 FROM completed) AS completed,
             CASE WHEN (SELECT holds FROM premise) THEN NULL ELSE (${premise?.actual ?? sql`NULL`}) END AS actual,
             (SELECT holds FROM premise) AS holds`.toQuery();
    const [row] = await inSpan(Services.OrderGateway, spanName, () =>
      queryRows<{ completed: boolean; actual: unknown; holds: boolean }>(this.dataSource, text, params),
    );
    if (row.completed) return { kind: 'completed' };
    return row.holds ? { kind: 'taken' } : { kind: 'premise-failed', actual: row.actual };
  }

  /** What a request that held its answer (Prefer: wait) finally answered: from now on, the replayed answer. */
  async recordHeldAnswer({ userId, key }: UserKey, answer: unknown): Promise<void> {
    await runSql(
      this.dataSource,
      sql`UPDATE idempotency_keys SET response_status = ${ACCEPTED}::int, response_body = ${JSON.stringify(answer)}::jsonb, locked_until = now()
           WHERE user_id = ${userId} AND key = ${key} AND state = 'COMPLETED'`,
    );
  }
}
