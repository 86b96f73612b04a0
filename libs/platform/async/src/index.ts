// Small async building blocks with no platform dependency: timeouts, pauses, batching of
// concurrent callers, and telling a dependency that is away from a message that is bad.
export { MicroBatcher } from './micro-batcher';
export { retryBackoffMs } from './retry-backoff';
export { sleep } from './sleep';
export { isTransientError } from './transient-errors';
export { withTimeout } from './with-timeout';
