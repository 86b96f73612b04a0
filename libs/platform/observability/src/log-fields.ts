import { AsyncLocalStorage } from 'node:async_hooks';

/** Fields every log line written in this async context carries (order_id, event_id, ...). */
type LogFields = Record<string, string | undefined>;

const storage = new AsyncLocalStorage<LogFields>();

export function withLogFields<T>(fields: LogFields, work: () => T): T {
  return storage.run({ ...storage.getStore(), ...fields }, work);
}

export function activeLogFields(): LogFields {
  return storage.getStore() ?? {};
}
