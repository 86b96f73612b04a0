import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Services } from '@orders/events';
import { startTracing, stopTracing } from '@orders/platform-observability';
import { TestSystem } from '../support/system';

const { OrderGateway: GATEWAY, InventoryService: INVENTORY, PaymentService: PAYMENT } = Services;

/**
 * One order is one trace: gateway → Kafka → inventory → payment → back, each service's
 * spans under its own service name, each hop a parent/child link carried in the
 * Kafka headers (traceparent stored with the outbox row, re-parented on publish).
 */
describe('one trace per order across the saga', () => {
  const exporter = new InMemorySpanExporter();
  let system: TestSystem;

  beforeAll(async () => {
    // One provider per service, all into one in-memory exporter (the three apps share this process).
    for (const serviceName of [GATEWAY, INVENTORY, PAYMENT]) startTracing({ serviceName, exporter });
    system = await TestSystem.start();
    await system.createProduct({ sku: 'TRACE-LAMP', priceCents: 2500, initialStock: 5 });
  });

  afterAll(async () => {
    await system?.stop();
    await stopTracing();
  });

  const serviceOf = (span: ReadableSpan) => String(span.resource.attributes['service.name']);

  async function spansUntil(done: (spans: ReadableSpan[]) => boolean, timeoutMs = 20_000): Promise<ReadableSpan[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const spans = exporter.getFinishedSpans();
      if (done(spans)) return spans;
      if (Date.now() > deadline) throw new Error(`spans so far: ${spans.map((span) => `${serviceOf(span)}:${span.name}`).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('links the spans of a confirmed order from all three services into one parent/child chain', async () => {
    const response = await system
      .http()
      .post('/orders')
      .set('authorization', `Bearer ${system.token('tracy')}`)
      .set('idempotency-key', 'trace-1')
      .set('prefer', 'wait=20')
      .send({ items: [{ sku: 'TRACE-LAMP', quantity: 1 }], paymentMethod: 'pm_card_ok' });
    expect(response.body).toMatchObject({ status: 'CONFIRMED' });
    const orderId: string = response.body.id;

    const createOrder = (spans: ReadableSpan[]) => spans.find((span) => span.name === 'CreateOrder' && span.attributes['order.id'] === orderId);
    const spans = await spansUntil((all) => {
      const root = createOrder(all);
      return !!root && all.some((span) => span.spanContext().traceId === root.spanContext().traceId && span.name === 'HandleStockCommitted');
    });
    const traceId = createOrder(spans)!.spanContext().traceId;
    const trace = spans.filter((span) => span.spanContext().traceId === traceId);

    // Every service took part, under its own name, in this one trace.
    expect(new Set(trace.map(serviceOf))).toEqual(new Set([GATEWAY, INVENTORY, PAYMENT]));

    const byId = new Map(trace.map((span) => [span.spanContext().spanId, span]));
    const one = (service: string, name: string): ReadableSpan => {
      const matches = trace.filter((span) => serviceOf(span) === service && span.name === name);
      expect({ service, name, count: matches.length }).toEqual({ service, name, count: 1 });
      return matches[0];
    };
    const parentOf = (span: ReadableSpan) => (span.parentSpanContext?.spanId ? byId.get(span.parentSpanContext?.spanId) : undefined);
    const expectChild = (child: ReadableSpan, parent: ReadableSpan) => {
      expect(`${serviceOf(child)}:${child.name} <- ${parentOf(child) ? `${serviceOf(parentOf(child)!)}:${parentOf(child)!.name}` : 'root'}`).toBe(
        `${serviceOf(child)}:${child.name} <- ${serviceOf(parent)}:${parent.name}`,
      );
    };

    // gateway: the HTTP request is the root; the use case and the publish of its event below it.
    const http = one(GATEWAY, 'POST /orders');
    expect(http.parentSpanContext?.spanId).toBeUndefined();
    expect(http.kind).toBe(SpanKind.SERVER);
    const create = one(GATEWAY, 'CreateOrder');
    expectChild(create, http);
    expectChild(one(GATEWAY, 'ValidateOrderItems'), create);
    const publishCreated = one(GATEWAY, 'PublishOrderCreated');
    expect(publishCreated.kind).toBe(SpanKind.PRODUCER);
    expectChild(publishCreated, create);

    // → Kafka → inventory reserves and publishes OrderReserved.
    const handleCreated = one(INVENTORY, 'HandleOrderCreated');
    expect(handleCreated.kind).toBe(SpanKind.CONSUMER);
    expectChild(handleCreated, publishCreated);
    const reserve = one(INVENTORY, 'ReserveStock');
    expectChild(reserve, handleCreated);
    expect(trace.some((span) => /^(Redis|Store)\./.test(span.name) && parentOf(span) === reserve)).toBe(true);
    const publishReserved = one(INVENTORY, 'PublishOrderReserved');
    expectChild(publishReserved, handleCreated);

    // → payment charges and publishes PaymentSuccess (the gateway hears OrderReserved too).
    expectChild(one(GATEWAY, 'HandleOrderReserved'), publishReserved);
    const handleReserved = one(PAYMENT, 'HandleOrderReserved');
    expectChild(handleReserved, publishReserved);
    const processPayment = one(PAYMENT, 'ProcessPayment');
    expectChild(processPayment, handleReserved);
    const publishSuccess = one(PAYMENT, 'PublishPaymentSuccess');
    expectChild(publishSuccess, processPayment);

    // → back to the gateway, which decides OrderPaid; inventory sells the stock; the gateway confirms.
    const handleSuccess = one(GATEWAY, 'HandlePaymentSuccess');
    expectChild(handleSuccess, publishSuccess);
    const publishPaid = one(GATEWAY, 'PublishOrderPaid');
    expectChild(publishPaid, handleSuccess);
    const handlePaid = one(INVENTORY, 'HandleOrderPaid');
    expectChild(handlePaid, publishPaid);
    const publishCommitted = one(INVENTORY, 'PublishStockCommitted');
    expectChild(publishCommitted, handlePaid);
    expectChild(one(GATEWAY, 'HandleStockCommitted'), publishCommitted);

    // Nothing in the trace hangs off a span outside it: one tree, one root.
    expect(trace.filter((span) => !parentOf(span)).map((span) => span.name)).toEqual(['POST /orders']);
  });
});
