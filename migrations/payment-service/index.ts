import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { RefundingStatus1764200000000 } from './1764200000000-refunding-status';
import { OutboxShards1764300000000 } from './1764300000000-outbox-shards';

/** In order of application. */
export const paymentMigrations = [InitialSchema1764000000000, RefundingStatus1764200000000, OutboxShards1764300000000];
