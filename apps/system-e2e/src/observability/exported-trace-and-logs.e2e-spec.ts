import { Services } from '@orders/events';
import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { join } from 'node:path';
import { freePort } from '../support/isolated-resources';
import { TEST_LOG_DIR } from '../support/service-process';
import { TestSystem } from '../support/system';

interface ReceivedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
}

/** Just enough of an OTLP/HTTP (JSON) collector to see what the services export. */
class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  private server: Server | null = null;

  async start(port: number): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (request.url === '/v1/traces') this.collect(JSON.parse(Buffer.concat(chunks).toString()));
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private collect(body: any): void {
    for (const resourceSpans of body.resourceSpans ?? []) {
      const service = resourceSpans.resource?.attributes?.find((attribute: { key: string }) => attribute.key === 'service.name')?.value?.stringValue;
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          this.spans.push({ service, name: span.name, traceId: span.traceId, spanId: span.spanId, parentSpanId: span.parentSpanId ?? '' });
        }
      }
    }
  }
}

/**
 * The production path, each service as its own OS process: tracing switched on by the
 * standard OTEL_* variables exports over OTLP, and the JSON log lines carry the trace id
 * (request lines and Kafka handler lines alike) with the order and event ids.
 */
describe('exported trace and log lines of one order (services as processes)', () => {
  const receiver = new OtlpReceiver();
  let system: TestSystem;

  beforeAll(async () => {
    const port = await freePort();
    await receiver.start(port);
    system = await TestSystem.start({
      processes: true,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_BSP_SCHEDULE_DELAY: '200', LOG_LEVEL: 'info' },
    });
    await system.createProduct({ sku: 'OTLP-BOOK', priceCents: 1500, initialStock: 3 });
  });

  afterAll(async () => {
    await system?.stop();
    await receiver.stop();
  });

  const logLines = (service: string) =>
    readFileSync(join(TEST_LOG_DIR, `${system.prefix}${service}.log`), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown> & { msg?: string });

  it('exports one trace across the three services, and the logs name the same trace, order and events', async () => {
    const response = await system.placeOrder('otto', { items: [{ sku: 'OTLP-BOOK', quantity: 1 }], paymentMethod: 'pm_card_ok' }, { prefer: 'wait=20' });
    expect(response.body).toMatchObject({ status: 'CONFIRMED' });
    const orderId: string = response.body.id;

    // Spans arrive in batches, from three processes: wait for the request span and the last hop of the saga.
    const deadline = Date.now() + 20_000;
    const traceOfOrder = () => receiver.spans.find((span) => span.name === 'CreateOrder')?.traceId;
    const exported = (service: string, name: string) =>
      receiver.spans.some((span) => span.traceId === traceOfOrder() && span.service === service && span.name === name);
    while (
      !exported(Services.OrderGateway, 'POST /orders') ||
      !exported(Services.PaymentService, 'PublishPaymentSuccess') ||
      !exported(Services.OrderGateway, 'HandleStockCommitted')
    ) {
      if (Date.now() > deadline) throw new Error(`spans so far: ${receiver.spans.map((span) => `${span.service}:${span.name}`).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const traceId = traceOfOrder()!;
    const trace = receiver.spans.filter((span) => span.traceId === traceId);
    expect(new Set(trace.map((span) => span.service))).toEqual(new Set([Services.OrderGateway, Services.InventoryService, Services.PaymentService]));
    const ids = new Set(trace.map((span) => span.spanId));
    expect(trace.filter((span) => !ids.has(span.parentSpanId)).map((span) => span.name)).toEqual(['POST /orders']);

    // The access log line of POST /orders is in the trace (route, no token, no query).
    const gateway = logLines(Services.OrderGateway);
    expect(gateway).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          msg: 'request completed',
          trace_id: traceId,
          req: expect.objectContaining({ method: 'POST', url: '/orders' }),
          res: { statusCode: 202 },
        }),
      ]),
    );
    // Lines written inside Kafka handlers carry the order, the event and the trace.
    const handlerLines = gateway.filter((line) => line.order_id === orderId && typeof line.event_id === 'string');
    expect(handlerLines.length).toBeGreaterThan(0);
    expect(handlerLines.every((line) => line.trace_id === traceId && typeof line.span_id === 'string')).toBe(true);
    // No line of any service carries a bearer token.
    for (const service of [Services.OrderGateway, Services.InventoryService, Services.PaymentService]) {
      expect(readFileSync(join(TEST_LOG_DIR, `${system.prefix}${service}.log`), 'utf8')).not.toMatch(/Bearer\s+ey/);
    }
  });
});
