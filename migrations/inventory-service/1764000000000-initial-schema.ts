import { createMessagingTables, dropMessagingTables } from '@orders/platform-messaging';
import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE products (
        sku         text        PRIMARY KEY CHECK (sku ~ '^[A-Za-z0-9._-]{1,64}$'),
        name        text        NOT NULL,
        price_cents bigint      NOT NULL CHECK (price_cents >= 0),
        currency    text        NOT NULL DEFAULT 'USD',
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    // The durable truth of stock. Conservation: available + reserved + sold = initial_stock + adjusted.
    await queryRunner.query(`
      CREATE TABLE stock (
        sku           text        PRIMARY KEY REFERENCES products (sku),
        available     integer     NOT NULL CHECK (available >= 0),
        reserved      integer     NOT NULL DEFAULT 0 CHECK (reserved >= 0),
        sold          integer     NOT NULL DEFAULT 0 CHECK (sold >= 0),
        initial_stock integer     NOT NULL CHECK (initial_stock >= 0),
        adjusted      integer     NOT NULL DEFAULT 0,
        revision      bigint      NOT NULL DEFAULT 1,
        updated_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT stock_conserved CHECK (available + reserved + sold = initial_stock + adjusted)
      )`);
    // The reservation ledger: one row per order and sku, moving RESERVED -> COMMITTED | RELEASED once.
    await queryRunner.query(`
      CREATE TABLE reservations (
        order_id   uuid        NOT NULL,
        sku        text        NOT NULL REFERENCES products (sku),
        quantity   integer     NOT NULL CHECK (quantity > 0),
        state      text        NOT NULL CHECK (state IN ('RESERVED', 'COMMITTED', 'RELEASED')),
        path       text        NOT NULL CHECK (path IN ('redis', 'postgres')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (order_id, sku)
      )`);
    await queryRunner.query(`CREATE INDEX reservations_open ON reservations (created_at) WHERE state = 'RESERVED'`);
    await queryRunner.query(`
      CREATE TABLE stock_adjustments (
        id         bigserial   PRIMARY KEY,
        sku        text        NOT NULL REFERENCES products (sku),
        delta      integer     NOT NULL,
        actor      text        NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await createMessagingTables(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropMessagingTables(queryRunner);
    await queryRunner.query('DROP TABLE stock_adjustments');
    await queryRunner.query('DROP TABLE reservations');
    await queryRunner.query('DROP TABLE stock');
    await queryRunner.query('DROP TABLE products');
  }
}
