import { addOutboxShards, dropOutboxShards } from '@orders/platform-messaging';
import { MigrationInterface, QueryRunner } from 'typeorm';

/** A shard per outbox row and the relays' membership: several replicas publish at once (issue 15). */
export class OutboxShards1764300000000 implements MigrationInterface {
  name = 'OutboxShards1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await addOutboxShards(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropOutboxShards(queryRunner);
  }
}
