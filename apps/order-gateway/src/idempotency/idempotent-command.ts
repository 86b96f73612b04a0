import { Injectable } from '@nestjs/common';
import { Sql } from '../database/sql';
import { IdempotencyKeys, Premise } from './idempotency-keys';
import { IdempotencyKeyReused, IdempotentRequestInFlight } from './idempotency.errors';
import { IdempotentRequest } from './idempotent-request';

/** A command run at most once per key. Its answer's `id` is what the key created (an order). */
export interface IdempotentCommand<TAnswer extends { id: string }> {
  /** Names the write's span: `Store.<name>Tx`. */
  name: string;
  /**
   * Decides the answer, and the writes that make it so: data-modifying CTEs that select FROM
   * `completed`, so they write only if the key is stored with this answer (see
   * IdempotencyKeys.complete). Throwing fails the request; nothing is written.
   */
  prepare(): Promise<PreparedCommand<TAnswer>>;
}

export interface PreparedCommand<TAnswer> {
  answer: TAnswer;
  writes: Sql;
  /**
   * What the answer took for granted (e.g. prices remembered from earlier reads), checked in
   * the write's own statement. If it no longer holds nothing is written, `refresh` learns what
   * the database actually holds, and the command is prepared again.
   */
  premise?: Premise & { refresh(actual: unknown): void };
}

export interface Idempotent<TAnswer> {
  answer: TAnswer;
  /** The stored answer of an earlier request with the same key and body. */
  replayed: boolean;
}

/** How long a held answer (Prefer: wait) may take to be stored once the wait is over. */
const HELD_ANSWER_MARGIN_SECONDS = 5;

/** Attempts at a command whose premise keeps failing (a price changed between reading and writing) before giving up. */
export const MAX_ATTEMPTS = 3;

/**
 * Runs a command at most once per user and Idempotency-Key (Stripe's semantics): the first
 * request claims the key (in Redis, at admission); its answer is stored in the statement that
 * writes the command's effects and replayed to every later request with the same key and
 * body. A different body is a conflict; a repeat while the first request is still running (or
 * still holding its answer) is "in flight". Redis only spares PostgreSQL the duplicates: the
 * completing statement's ON CONFLICT decides, whatever the claim said.
 */
@Injectable()
export class IdempotentCommands {
  constructor(private readonly keys: IdempotencyKeys) {}

  async run<TAnswer extends { id: string }>(request: IdempotentRequest<TAnswer>, command: IdempotentCommand<TAnswer>): Promise<Idempotent<TAnswer>> {
    if (request.claim.kind === 'held') {
      if (request.claim.fingerprint !== request.fingerprint) throw new IdempotencyKeyReused();
      return this.taken(request);
    }
    for (let attempt = 1; ; attempt += 1) {
      const prepared = await command.prepare();
      const completion = await this.keys.complete(
        request,
        request.fingerprint,
        { answer: prepared.answer, writes: prepared.writes, premise: prepared.premise, holdSeconds: holdSecondsOf(request) },
        `Store.${command.name}Tx`,
      );
      if (completion.kind === 'completed') return { answer: prepared.answer, replayed: false };
      if (completion.kind === 'taken') return this.taken(request);
      if (attempt === MAX_ATTEMPTS) throw new Error(`${command.name}: its premise failed ${MAX_ATTEMPTS} times in a row`);
      prepared.premise?.refresh(completion.actual);
    }
  }

  /**
   * Prefer: wait, after `run`: holds a fresh answer as the request asks, then stores the
   * answer finally given, which a repeat replays from then on (not the first one).
   */
  async holdAnswer<TAnswer>(request: IdempotentRequest<TAnswer>, outcome: Idempotent<TAnswer>): Promise<Idempotent<TAnswer>> {
    if (outcome.replayed || !request.hold) return outcome;
    const answer = await request.hold.answer(outcome.answer);
    await this.keys.recordHeldAnswer(request, answer);
    return { answer, replayed: false };
  }

  /**
   * The key is another request's (held in Redis, or stored first): a replay of its answer,
   * a conflict, or "in flight" while it runs (not stored yet), holds its answer (Prefer: wait)
   * or is a legacy IN_FLIGHT row (its taker-over is whoever holds the Redis claim).
   */
  private async taken<TAnswer>(request: IdempotentRequest<TAnswer>): Promise<Idempotent<TAnswer>> {
    const taken = await this.keys.find(request);
    if (taken && taken.fingerprint !== request.fingerprint) throw new IdempotencyKeyReused();
    if (taken?.state === 'COMPLETED' && taken.lapsed) return { answer: taken.answer as TAnswer, replayed: true };
    throw new IdempotentRequestInFlight();
  }
}

/** The hold covers the wait and the write of its answer. */
function holdSecondsOf(request: IdempotentRequest<unknown>): number {
  return request.hold ? request.hold.seconds + HELD_ANSWER_MARGIN_SECONDS : 0;
}
