import { createMessagingTables, dropMessagingTables } from '@orders/platform-messaging';
import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // One payment per order. CANCELLED without a charge is a tombstone: the order was
    // cancelled before payment started, so a late OrderReserved charges nothing.
    await queryRunner.query(`
      CREATE TABLE payments (
        id              uuid        PRIMARY KEY,
        order_id        uuid        NOT NULL UNIQUE,
        user_id         text,
        amount_cents    bigint      NOT NULL CHECK (amount_cents >= 0),
        currency        text        NOT NULL DEFAULT 'USD',
        payment_method  text,
        status          text        NOT NULL CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'REFUNDED')),
        provider_tx_id  text,
        refund_id       text,
        failure_reason  text,
        attempts        integer     NOT NULL DEFAULT 0,
        lease_until     timestamptz,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX payments_pending ON payments (lease_until) WHERE status = 'PENDING'`);
    await createMessagingTables(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropMessagingTables(queryRunner);
    await queryRunner.query('DROP TABLE payments');
  }
}
