import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { OutboxShards1764300000000 } from './1764300000000-outbox-shards';

/** In order of application. */
export const inventoryMigrations = [InitialSchema1764000000000, OutboxShards1764300000000];
