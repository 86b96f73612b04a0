import { AsyncLocalStorage } from 'node:async_hooks';

const pending = new AsyncLocalStorage<Array<() => void>>();

/**
 * Runs `effect` once the enclosing unit of work (TransactionalEvents.run/processBatch) has
 * committed, never if it rolls back; outside a unit of work, at once. For what must count
 * an outcome exactly once (business metrics), although a retried transaction runs twice.
 */
export function afterCommit(effect: () => void): void {
  const queue = pending.getStore();
  if (queue) queue.push(effect);
  else effect();
}

/** Runs `work` (which commits or throws) and then the effects it queued with afterCommit. */
export async function withAfterCommit<T>(work: () => Promise<T>): Promise<T> {
  const queue: Array<() => void> = [];
  const result = await pending.run(queue, work);
  for (const effect of queue) effect();
  return result;
}
