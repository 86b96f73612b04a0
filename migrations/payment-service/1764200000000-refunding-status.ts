import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * REFUNDING: a payment whose order was cancelled after the money was taken, waiting for the
 * provider's refund under a lease (like PENDING waits for the charge), so the refund is made
 * outside any transaction and retried after a crash. The partial index keeps the recovery
 * sweep cheap however many settled payments pile up.
 */
export class RefundingStatus1764200000000 implements MigrationInterface {
  name = 'RefundingStatus1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE payments DROP CONSTRAINT payments_status_check`);
    await queryRunner.query(
      `ALTER TABLE payments ADD CONSTRAINT payments_status_check CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'REFUNDING', 'REFUNDED'))`,
    );
    await queryRunner.query(`CREATE INDEX payments_refunding ON payments (lease_until) WHERE status = 'REFUNDING'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX payments_refunding');
    // A refund still owed is finished by hand before going back: the old code never makes it.
    await queryRunner.query(`ALTER TABLE payments DROP CONSTRAINT payments_status_check`);
    await queryRunner.query(
      `ALTER TABLE payments ADD CONSTRAINT payments_status_check CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'REFUNDED'))`,
    );
  }
}
