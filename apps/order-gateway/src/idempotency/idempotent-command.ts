import { Injectable } from '@nestjs/common';
import { Sql } from '../database/sql';
import { IdempotencyKeys } from './idempotency-keys';
import { IdempotencyKeyReused, IdempotentRequestInFlight } from './idempotency.errors';
import { IdempotentRequest } from './idempotent-request';

/** A command run at most once per key. Its answer's `id` is what the key created (an order). */
export interface IdempotentCommand<TRead, TAnswer extends { id: string }> {
  /** Names the write's span: `Store.<name>Tx`. */
  name: string;
  /** A JSON-valued SQL expression for what the command reads, evaluated in the claim's statement (one round trip for both). */
  readWithClaim: Sql;
  /**
   * Decides the answer from what was read, and the writes that make it so: data-modifying
   * CTEs that select FROM `completed`, so they write only while the claim is still this
   * request's (see IdempotencyKeys.complete). Throwing frees the key for a retry.
   */
  prepare(read: TRead): Promise<{ answer: TAnswer; writes: Sql }>;
}

export interface Idempotent<TAnswer> {
  answer: TAnswer;
  /** The stored answer of an earlier request with the same key and body. */
  replayed: boolean;
}

type Claim = { kind: 'claimed' } | { kind: 'replay'; answer: unknown };

/** How long a held answer (Prefer: wait) may take to be stored once the wait is over. */
const HELD_ANSWER_MARGIN_SECONDS = 5;

/**
 * Runs a command at most once per user and Idempotency-Key (Stripe's semantics): the first
 * request claims the key; its answer is stored in the statement that writes the command's
 * effects and replayed to every later request with the same key and body. A different
 * body is a conflict; a repeat while the first request is still running (or still holding
 * its answer) is "in flight"; a claim whose request died is taken over once its lease lapses.
 */
@Injectable()
export class IdempotentCommands {
  constructor(private readonly keys: IdempotencyKeys) {}

  async run<TRead, TAnswer extends { id: string }>(
    request: IdempotentRequest<TAnswer>,
    command: IdempotentCommand<TRead, TAnswer>,
  ): Promise<Idempotent<TAnswer>> {
    const { claimed, read } = await this.keys.claimReading(request, request.fingerprint, command.readWithClaim);
    const claim: Claim = claimed ? { kind: 'claimed' } : await this.claimTaken(request);
    if (claim.kind === 'replay') return { answer: claim.answer as TAnswer, replayed: true };

    let answer: TAnswer;
    let completed: boolean;
    try {
      const prepared = await command.prepare(read as TRead);
      answer = prepared.answer;
      completed = await this.keys.complete(request, answer, holdSecondsOf(request), prepared.writes, `Store.${command.name}Tx`);
    } catch (error) {
      await this.keys.release(request);
      throw error;
    }
    // This request outlived its lease; another one took the key over and completed it first.
    // Nothing was written, and the key is not released: it is no longer this request's.
    if (!completed) throw new IdempotentRequestInFlight();
    return { answer, replayed: false };
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

  /** The key exists: a replay, a conflict, a request still in flight, or a lapsed claim to take over. */
  private async claimTaken(request: IdempotentRequest<unknown>): Promise<Claim> {
    const taken = await this.keys.find(request);
    // Released between our claim and this read: that request failed; claim again.
    if (!taken) return (await this.keys.claim(request, request.fingerprint)) ? { kind: 'claimed' } : this.claimTaken(request);
    if (taken.fingerprint !== request.fingerprint) throw new IdempotencyKeyReused();
    // A claim still leased, or a completed request still holding its answer (Prefer: wait):
    // the first request has not answered yet, so there is nothing to replay.
    if (!taken.lapsed) throw new IdempotentRequestInFlight();
    if (taken.state === 'COMPLETED') return { kind: 'replay', answer: taken.answer };
    if (await this.keys.takeOver(request)) return { kind: 'claimed' };
    throw new IdempotentRequestInFlight();
  }
}

/** The hold covers the wait and the write of its answer. */
function holdSecondsOf(request: IdempotentRequest<unknown>): number {
  return request.hold ? request.hold.seconds + HELD_ANSWER_MARGIN_SECONDS : 0;
}
