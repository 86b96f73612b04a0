import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { queryRows } from '@orders/platform';
import { DataSource } from 'typeorm';
import { IdempotencyKeyReused, IdempotentRequestInFlight } from './idempotency.errors';

export type IdempotencyClaim = { kind: 'claimed' } | { kind: 'replay'; status: number; body: unknown };

/** Current catalog prices of the skus asked for with a claim; skus missing from the map are unknown. */
export type Prices = Map<string, { priceCents: number; currency: string }>;

/** A claim whose request died (crash, timeout) can be taken over after this long. */
const CLAIM_LEASE_SECONDS = 30;

/**
 * Idempotency keys, per user (Stripe's semantics): the first request claims the key
 * atomically; its response is stored in the same transaction as the order it created
 * and replayed to every later request with the same key and body. Keys older than
 * IDEMPOTENCY_RETENTION_HOURS are deleted by the platform's RetentionJob.
 */
@Injectable()
export class IdempotencyService {
  private readonly logger = new Logger(IdempotencyService.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Claims the key and, in the same statement (one round trip instead of two), reads the
   * catalog prices of `skus` for the order the claim is for.
   */
  async claimWithPrices(userId: string, key: string, fingerprint: string, skus: string[]): Promise<{ claim: IdempotencyClaim; prices: Prices }> {
    const [row]: Array<{ claimed: number; prices: Array<{ sku: string; price_cents: string; currency: string }> | null }> = await this.dataSource.query(
      `WITH claimed AS (
         INSERT INTO idempotency_keys (user_id, key, fingerprint, state, locked_until)
         VALUES ($1, $2, $3, 'IN_FLIGHT', now() + $4 * interval '1 second')
         ON CONFLICT DO NOTHING RETURNING key)
       SELECT (SELECT count(*) FROM claimed)::int AS claimed,
              (SELECT json_agg(json_build_object('sku', sku, 'price_cents', price_cents, 'currency', currency))
                 FROM catalog_products WHERE sku = ANY($5::text[])) AS prices`,
      [userId, key, fingerprint, CLAIM_LEASE_SECONDS, skus],
    );
    const prices: Prices = new Map((row.prices ?? []).map((price) => [price.sku, { priceCents: Number(price.price_cents), currency: price.currency }]));
    if (row.claimed > 0) return { claim: { kind: 'claimed' }, prices };
    return { claim: await this.claimTaken(userId, key, fingerprint), prices };
  }

  async claim(userId: string, key: string, fingerprint: string): Promise<IdempotencyClaim> {
    const inserted: unknown[] = await this.dataSource.query(
      `INSERT INTO idempotency_keys (user_id, key, fingerprint, state, locked_until)
       VALUES ($1, $2, $3, 'IN_FLIGHT', now() + $4 * interval '1 second')
       ON CONFLICT DO NOTHING RETURNING key`,
      [userId, key, fingerprint, CLAIM_LEASE_SECONDS],
    );
    if (inserted.length > 0) return { kind: 'claimed' };
    return this.claimTaken(userId, key, fingerprint);
  }

  /** The key exists: a replay, a conflict, a request still in flight, or an expired claim to take over. */
  private async claimTaken(userId: string, key: string, fingerprint: string): Promise<IdempotencyClaim> {
    const [existing]: Array<{ fingerprint: string; state: string; response_status: number | null; response_body: unknown; expired: boolean } | undefined> =
      await this.dataSource.query(
        `SELECT fingerprint, state, response_status, response_body, locked_until < now() AS expired
           FROM idempotency_keys WHERE user_id = $1 AND key = $2`,
        [userId, key],
      );
    // Released between our insert and select: the other request failed; claim again.
    if (!existing) return this.claim(userId, key, fingerprint);
    if (existing.fingerprint !== fingerprint) throw new IdempotencyKeyReused();
    // A completed request still held (Prefer: wait) has not answered yet: its answer is not known.
    if (existing.state === 'COMPLETED' && !existing.expired) throw new IdempotentRequestInFlight();
    if (existing.state === 'COMPLETED') {
      if (existing.response_status === null) throw new Error('a completed idempotency key without a response status');
      return { kind: 'replay', status: existing.response_status, body: existing.response_body };
    }
    if (!existing.expired) throw new IdempotentRequestInFlight();

    const takenOver = await queryRows(
      this.dataSource,
      `UPDATE idempotency_keys SET locked_until = now() + $3 * interval '1 second'
        WHERE user_id = $1 AND key = $2 AND state = 'IN_FLIGHT' AND locked_until < now() RETURNING key`,
      [userId, key, CLAIM_LEASE_SECONDS],
    );
    if (takenOver.length === 0) throw new IdempotentRequestInFlight();
    return { kind: 'claimed' };
  }

  /**
   * Stores the response, in the statement that produces it: the body of a data-modifying
   * CTE that returns the key only if the claim is still IN_FLIGHT. If a request outlived
   * its lease and another one took the key over and finished first, this UPDATE (which
   * waits for that row lock, then re-checks) matches nothing and the caller writes nothing,
   * so one key never yields two orders. Parameters are numbered from `firstParam`.
   *
   * `holdSeconds` > 0 when the request will hold its answer (Prefer: wait): until then, or
   * until finalResponse stores what it answered, a repeat is "in flight" (409), never a
   * replay of a response the first caller has not even received. If the holder dies, the
   * stored response is replayed once the hold lapses.
   */
  completion(
    userId: string,
    key: string,
    status: number,
    body: unknown,
    orderId: string,
    firstParam: number,
    holdSeconds = 0,
  ): { sql: string; params: unknown[] } {
    const [user, idempotencyKey, responseStatus, responseBody, order, hold] = [0, 1, 2, 3, 4, 5].map((offset) => `$${firstParam + offset}`);
    return {
      sql: `UPDATE idempotency_keys SET state = 'COMPLETED', response_status = ${responseStatus}::int, response_body = ${responseBody}::jsonb, order_id = ${order}::uuid,
                    locked_until = now() + ${hold}::int * interval '1 second'
             WHERE user_id = ${user} AND key = ${idempotencyKey} AND state = 'IN_FLIGHT' RETURNING key`,
      params: [userId, key, status, JSON.stringify(body), orderId, holdSeconds],
    };
  }

  /** What a held request (Prefer: wait) finally answered: from now on, the replayed response. */
  async finalResponse(userId: string, key: string, status: number, body: unknown): Promise<void> {
    await this.dataSource.query(
      `UPDATE idempotency_keys SET response_status = $3::int, response_body = $4::jsonb, locked_until = now()
        WHERE user_id = $1 AND key = $2 AND state = 'COMPLETED'`,
      [userId, key, status, JSON.stringify(body)],
    );
  }

  /** The request failed before completing: the key is free for a retry. */
  async release(userId: string, key: string): Promise<void> {
    await this.dataSource
      .query(`DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND state = 'IN_FLIGHT'`, [userId, key])
      .catch((error: unknown) => {
        this.logger.warn(`could not release idempotency key: ${(error as Error).message}`);
      });
  }
}
