import { QueryRunner } from 'typeorm';

/**
 * The outbox and inbox tables every service has in its own schema. Shared as a
 * migration step so the relay and TransactionalEvents find the same shape everywhere.
 */
export async function createMessagingTables(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`
    CREATE TABLE outbox (
      id          bigserial PRIMARY KEY,
      event_id    uuid        NOT NULL UNIQUE,
      topic       text        NOT NULL,
      message_key text        NOT NULL,
      value       text        NOT NULL,
      headers     jsonb       NOT NULL DEFAULT '{}'::jsonb,
      created_at  timestamptz NOT NULL DEFAULT now()
    )`);
  await queryRunner.query(`
    CREATE TABLE processed_events (
      consumer     text        NOT NULL,
      event_id     uuid        NOT NULL,
      event_type   text        NOT NULL,
      processed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer, event_id)
    )`);
  await queryRunner.query('CREATE INDEX processed_events_processed_at ON processed_events (processed_at)');
}

/**
 * Outbox rows fall into this many shards by a hash of their Kafka key (the order id): a relay
 * publishes whole shards, so one order's events always leave through one relay, in order. A
 * power of two (the column masks the hash); changing it needs a migration that rewrites the column.
 */
export const OUTBOX_SHARDS = 32;

/**
 * Shards the outbox (issue 15) so that several relays publish at once: `shard`, computed by
 * Postgres on insert (every writer gets it, none can get it wrong), and the relays' membership
 * table, from which each live relay derives its share of the shards (see OutboxRelay).
 * No index on shard: a relay reads the outbox in id order (the primary key) and skips the
 * rows of shards it does not hold, and an outbox that keeps up stays nearly empty. (Adding the
 * column rewrites the outbox under an exclusive lock: short, for the same reason.)
 */
export async function addOutboxShards(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(
    `ALTER TABLE outbox ADD COLUMN shard smallint NOT NULL GENERATED ALWAYS AS ((hashtext(message_key) & ${OUTBOX_SHARDS - 1})::smallint) STORED`,
  );
  await queryRunner.query(`
    CREATE TABLE outbox_relays (
      relay_id     uuid        PRIMARY KEY,
      heartbeat_at timestamptz NOT NULL DEFAULT now()
    )`);
}

export async function dropOutboxShards(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query('DROP TABLE IF EXISTS outbox_relays');
  await queryRunner.query('ALTER TABLE outbox DROP COLUMN IF EXISTS shard');
}

export async function dropMessagingTables(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query('DROP TABLE IF EXISTS processed_events');
  await queryRunner.query('DROP TABLE IF EXISTS outbox');
}
