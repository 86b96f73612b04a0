import { createMessagingTables, dropMessagingTables } from '@orders/platform-messaging';
import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE orders (
        id                uuid        PRIMARY KEY,
        user_id           text        NOT NULL,
        status            text        NOT NULL CHECK (status IN ('CREATED', 'RESERVED', 'PAID', 'CONFIRMED', 'CANCELLED')),
        cancel_reason     text        CHECK (cancel_reason IN ('OUT_OF_STOCK', 'PAYMENT_FAILED', 'PAYMENT_TIMEOUT', 'USER_CANCELLED')),
        total_cents       bigint      NOT NULL CHECK (total_cents >= 0),
        currency          text        NOT NULL,
        payment_method    text,
        history           jsonb       NOT NULL,
        status_changed_at timestamptz NOT NULL DEFAULT now(),
        created_at        timestamptz NOT NULL DEFAULT now(),
        updated_at        timestamptz NOT NULL DEFAULT now(),
        CHECK ((status = 'CANCELLED') = (cancel_reason IS NOT NULL))
      )`);
    // Listing: a user's orders newest first, keyset-paginated on (created_at, id).
    await queryRunner.query('CREATE INDEX orders_by_user ON orders (user_id, created_at DESC, id DESC)');
    await queryRunner.query('CREATE INDEX orders_by_user_status ON orders (user_id, status, created_at DESC, id DESC)');
    // The payment-timeout sweeper looks only at reserved orders.
    await queryRunner.query(`CREATE INDEX orders_reserved_since ON orders (status_changed_at) WHERE status = 'RESERVED'`);
    await queryRunner.query(`
      CREATE TABLE order_items (
        order_id         uuid    NOT NULL REFERENCES orders (id),
        line_no          integer NOT NULL,
        sku              text    NOT NULL,
        quantity         integer NOT NULL CHECK (quantity BETWEEN 1 AND 1000),
        unit_price_cents bigint  NOT NULL CHECK (unit_price_cents >= 0),
        PRIMARY KEY (order_id, line_no),
        UNIQUE (order_id, sku)
      )`);
    await queryRunner.query(`
      CREATE TABLE idempotency_keys (
        user_id         text        NOT NULL,
        key             text        NOT NULL,
        fingerprint     text        NOT NULL,
        state           text        NOT NULL CHECK (state IN ('IN_FLIGHT', 'COMPLETED')),
        response_status integer,
        response_body   jsonb,
        order_id        uuid,
        locked_until    timestamptz NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, key)
      )`);
    await queryRunner.query('CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at)');
    // Read model of the catalog, fed by ProductChanged events (newest revision wins).
    await queryRunner.query(`
      CREATE TABLE catalog_products (
        sku         text        PRIMARY KEY,
        name        text        NOT NULL,
        price_cents bigint      NOT NULL,
        currency    text        NOT NULL,
        available   integer     NOT NULL,
        revision    bigint      NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await createMessagingTables(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropMessagingTables(queryRunner);
    await queryRunner.query('DROP TABLE catalog_products');
    await queryRunner.query('DROP TABLE idempotency_keys');
    await queryRunner.query('DROP TABLE order_items');
    await queryRunner.query('DROP TABLE orders');
  }
}
