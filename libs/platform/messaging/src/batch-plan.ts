/** One consumed message as the planner sees it: its Kafka key and its event type. */
interface Plannable {
  key: string;
  eventType: string;
}

/**
 * Splits a lane batch (offset order) into groups of one event type each, so that each group
 * can be handled by its type's batch handler with set-based statements, keeping per-key order:
 * an event always lands in a group after the group of the previous event of its key, so one
 * order's events are applied in the order they were published, and a group never holds two
 * events of one key. Different keys may be reordered (they are independent orders).
 */
export function planGroups<T extends Plannable>(items: readonly T[]): T[][] {
  const groups: Array<{ eventType: string; items: T[] }> = [];
  const lastGroupOfKey = new Map<string, number>();
  for (const item of items) {
    const after = lastGroupOfKey.get(item.key) ?? -1;
    let index = groups.findIndex((group, position) => position > after && group.eventType === item.eventType);
    if (index === -1) {
      index = groups.length;
      groups.push({ eventType: item.eventType, items: [] });
    }
    groups[index].items.push(item);
    lastGroupOfKey.set(item.key, index);
  }
  return groups.map((group) => group.items);
}
