/** The deployables that produce and consume events. */
export const Services = {
  OrderGateway: 'order-gateway',
  InventoryService: 'inventory-service',
  PaymentService: 'payment-service',
} as const;

export type ServiceName = (typeof Services)[keyof typeof Services];
