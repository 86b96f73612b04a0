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

export async function dropMessagingTables(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query('DROP TABLE IF EXISTS processed_events');
  await queryRunner.query('DROP TABLE IF EXISTS outbox');
}
