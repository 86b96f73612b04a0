import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { OpenOrdersIndex1764100000000 } from './1764100000000-open-orders-index';
import { OutboxShards1764300000000 } from './1764300000000-outbox-shards';

/** In order of application. */
export const gatewayMigrations = [InitialSchema1764000000000, OpenOrdersIndex1764100000000, OutboxShards1764300000000];
