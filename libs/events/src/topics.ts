/**
 * Kafka topics of the saga. One constant each; every service imports these.
 * A deployment (or a test run) may prefix every name, see `topicName`.
 */
export const Topics = {
  /** Order lifecycle decided by the gateway. Key: order id. */
  OrderEvents: 'orders.events',
  /** Reservation outcomes from inventory. Key: order id. */
  InventoryEvents: 'inventory.events',
  /** Payment outcomes from the payment service. Key: order id. */
  PaymentEvents: 'payments.events',
  /** Product and stock-level snapshots for read models. Key: sku. */
  CatalogEvents: 'catalog.events',
} as const;

export type Topic = (typeof Topics)[keyof typeof Topics];

export const ALL_TOPICS: readonly Topic[] = Object.values(Topics);

/** Partitions per topic: the unit of consumer parallelism (ordering holds per key). */
export const TOPIC_PARTITIONS: Record<Topic, number> = {
  'orders.events': 6,
  'inventory.events': 6,
  'payments.events': 6,
  'catalog.events': 3,
};

/** Suffix of the dead-letter topic that belongs to each topic. */
export const DEAD_LETTER_SUFFIX = '.dlq';

export function topicName(topic: string, prefix = ''): string {
  return `${prefix}${topic}`;
}

export function deadLetterTopic(topic: string, prefix = ''): string {
  return `${prefix}${topic}${DEAD_LETTER_SUFFIX}`;
}
