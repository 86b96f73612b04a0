import { Module } from '@nestjs/common';
import { IdempotencyClaims } from './idempotency-claims';
import { IdempotencyKeys } from './idempotency-keys';
import { IdempotentCommands } from './idempotent-command';

@Module({
  providers: [IdempotencyKeys, IdempotentCommands, IdempotencyClaims],
  exports: [IdempotentCommands, IdempotencyClaims],
})
export class IdempotencyModule {}
