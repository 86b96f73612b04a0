export interface ItemQuantity {
  sku: string;
  quantity: number;
}

export interface Shortage {
  sku: string;
  requested: number;
  available: number;
}

/** Sums quantities per sku and sorts by sku: the fixed lock order that rules out deadlocks. */
export function normalise(items: ItemQuantity[]): ItemQuantity[] {
  const totals = new Map<string, number>();
  for (const item of items) totals.set(item.sku, (totals.get(item.sku) ?? 0) + item.quantity);
  return [...totals].map(([sku, quantity]) => ({ sku, quantity })).sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}

/** Items that cannot be served from `available`; unknown skus count as zero stock. */
export function shortagesOf(items: ItemQuantity[], available: Map<string, number>): Shortage[] {
  return items
    .filter((item) => (available.get(item.sku) ?? 0) < item.quantity)
    .map((item) => ({ sku: item.sku, requested: item.quantity, available: available.get(item.sku) ?? 0 }));
}
