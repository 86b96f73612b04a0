import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The saga gauges (orders_by_status, order_oldest_open_age_seconds) read open orders at
 * every scrape; a partial index keeps that cheap however many terminal orders pile up.
 */
export class OpenOrdersIndex1764100000000 implements MigrationInterface {
  name = 'OpenOrdersIndex1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX orders_open ON orders (status, created_at) WHERE status IN ('CREATED', 'RESERVED', 'PAID')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX orders_open');
  }
}
