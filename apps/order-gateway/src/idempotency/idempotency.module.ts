import { Module } from '@nestjs/common';
import { IdempotencyKeys } from './idempotency-keys';
import { IdempotentCommands } from './idempotent-command';

@Module({
  providers: [IdempotencyKeys, IdempotentCommands],
  exports: [IdempotentCommands],
})
export class IdempotencyModule {}
