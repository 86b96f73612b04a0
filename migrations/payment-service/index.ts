import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { RefundingStatus1764200000000 } from './1764200000000-refunding-status';

/** In order of application. */
export const paymentMigrations = [InitialSchema1764000000000, RefundingStatus1764200000000];
