import { ClassConstructor } from 'class-transformer';
import { ProductChangedV1 } from './catalog-events';
import { InventoryReservationFailedV1, OrderReservedV1, StockCommittedV1, StockReleasedV1 } from './inventory-events';
import { OrderCancelledV1, OrderConfirmedV1, OrderCreatedV1, OrderPaidV1 } from './order-events';
import { PaymentFailedV1, PaymentRefundedV1, PaymentSuccessV1 } from './payment-events';
import { ServiceName, Services } from './services';
import { Topic, Topics } from './topics';

export interface EventDefinition<P extends object = object> {
  readonly type: string;
  readonly version: number;
  readonly topic: Topic;
  readonly payload: ClassConstructor<P>;
  /** What the Kafka message key is: the order id (saga) or the sku (catalog). */
  readonly key: 'orderId' | 'sku';
  readonly producer: ServiceName;
  readonly consumers: readonly ServiceName[];
}

function define<P extends object>(definition: EventDefinition<P>): EventDefinition<P> {
  return definition;
}

const { OrderGateway, InventoryService, PaymentService } = Services;

/**
 * The one place that says who produces and who consumes each event.
 * Changing a payload means adding a new version next to the old one.
 */
export const Events = {
  OrderCreated: define({
    type: 'OrderCreated',
    version: 1,
    topic: Topics.OrderEvents,
    payload: OrderCreatedV1,
    key: 'orderId',
    producer: OrderGateway,
    consumers: [InventoryService],
  }),
  OrderPaid: define({
    type: 'OrderPaid',
    version: 1,
    topic: Topics.OrderEvents,
    payload: OrderPaidV1,
    key: 'orderId',
    producer: OrderGateway,
    consumers: [InventoryService],
  }),
  OrderConfirmed: define({
    type: 'OrderConfirmed',
    version: 1,
    topic: Topics.OrderEvents,
    payload: OrderConfirmedV1,
    key: 'orderId',
    producer: OrderGateway,
    consumers: [],
  }),
  OrderCancelled: define({
    type: 'OrderCancelled',
    version: 1,
    topic: Topics.OrderEvents,
    payload: OrderCancelledV1,
    key: 'orderId',
    producer: OrderGateway,
    consumers: [InventoryService, PaymentService],
  }),

  OrderReserved: define({
    type: 'OrderReserved',
    version: 1,
    topic: Topics.InventoryEvents,
    payload: OrderReservedV1,
    key: 'orderId',
    producer: InventoryService,
    consumers: [OrderGateway, PaymentService],
  }),
  InventoryReservationFailed: define({
    type: 'InventoryReservationFailed',
    version: 1,
    topic: Topics.InventoryEvents,
    payload: InventoryReservationFailedV1,
    key: 'orderId',
    producer: InventoryService,
    consumers: [OrderGateway],
  }),
  StockCommitted: define({
    type: 'StockCommitted',
    version: 1,
    topic: Topics.InventoryEvents,
    payload: StockCommittedV1,
    key: 'orderId',
    producer: InventoryService,
    consumers: [OrderGateway],
  }),
  StockReleased: define({
    type: 'StockReleased',
    version: 1,
    topic: Topics.InventoryEvents,
    payload: StockReleasedV1,
    key: 'orderId',
    producer: InventoryService,
    consumers: [],
  }),

  PaymentSuccess: define({
    type: 'PaymentSuccess',
    version: 1,
    topic: Topics.PaymentEvents,
    payload: PaymentSuccessV1,
    key: 'orderId',
    producer: PaymentService,
    consumers: [OrderGateway],
  }),
  PaymentFailed: define({
    type: 'PaymentFailed',
    version: 1,
    topic: Topics.PaymentEvents,
    payload: PaymentFailedV1,
    key: 'orderId',
    producer: PaymentService,
    consumers: [OrderGateway],
  }),
  PaymentRefunded: define({
    type: 'PaymentRefunded',
    version: 1,
    topic: Topics.PaymentEvents,
    payload: PaymentRefundedV1,
    key: 'orderId',
    producer: PaymentService,
    consumers: [OrderGateway],
  }),

  ProductChanged: define({
    type: 'ProductChanged',
    version: 1,
    topic: Topics.CatalogEvents,
    payload: ProductChangedV1,
    key: 'sku',
    producer: InventoryService,
    consumers: [OrderGateway],
  }),
} as const;

export type EventName = keyof typeof Events;
export type PayloadOf<N extends EventName> = InstanceType<(typeof Events)[N]['payload']>;

const byTypeAndVersion = new Map<string, EventDefinition>(
  Object.values(Events).map((definition) => [`${definition.type}@${definition.version}`, definition as EventDefinition]),
);

export function findDefinition(type: string, version: number): EventDefinition | undefined {
  return byTypeAndVersion.get(`${type}@${version}`);
}

const eventTypes = new Set<string>(Object.values(Events).map((definition) => definition.type));

/** Whether `type` names an event of the contract (in any version). */
export function isEventType(type: string): boolean {
  return eventTypes.has(type);
}

/** Topics a service must subscribe to: those carrying an event it consumes. */
export function topicsConsumedBy(service: ServiceName): Topic[] {
  const topics = Object.values(Events)
    .filter((definition) => definition.consumers.includes(service))
    .map((definition) => definition.topic);
  return [...new Set(topics)];
}

/** Event types a service handles (for checking that every one has a handler). */
export function eventTypesConsumedBy(service: ServiceName): string[] {
  return Object.values(Events)
    .filter((definition) => definition.consumers.includes(service))
    .map((definition) => definition.type);
}
