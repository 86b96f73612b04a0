import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createEvent } from '@orders/events';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Options as PinoHttpOptions, pinoHttp } from 'pino-http';
import { loggerParams } from './logging';
import { inSpan, startTracing, stopTracing, withConsumerSpan } from './tracing';

/** Log lines as the platform writes them: JSON, one line per event, trace ids, no secrets. */
describe('platform log lines', () => {
  const SERVICE = 'inventory-service';
  const params = loggerParams({ service: SERVICE, level: 'info', pretty: false }).pinoHttp as PinoHttpOptions;
  let lines: string[];
  const sink = () =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
  const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

  beforeAll(() => {
    startTracing({ serviceName: SERVICE, exporter: new InMemorySpanExporter() });
  });

  beforeEach(() => {
    lines = [];
  });

  afterAll(async () => {
    await stopTracing();
  });

  it('writes one JSON object per line with the service, the message and the active trace and span ids', async () => {
    const logger = pino(params, sink());
    let ids: { traceId: string; spanId: string } | undefined;
    await inSpan(SERVICE, 'ReserveStock', async (span) => {
      ids = span.spanContext();
      logger.info('reserving');
    });
    logger.info('outside any span');

    expect(parsed()).toEqual([
      expect.objectContaining({ level: 30, service: SERVICE, msg: 'reserving', trace_id: ids!.traceId, span_id: ids!.spanId }),
      expect.not.objectContaining({ trace_id: expect.anything() }),
    ]);
  });

  it('gives every line written while handling an event its order id, event id and the trace continued from the headers', async () => {
    const logger = pino(params, sink());
    const event = createEvent('OrderPaid', { orderId: '5d0c2e1e-8f7a-4c8e-9a52-3c1f1d2b7a10', payload: { paymentId: 'p-1', amountCents: 100 } });
    const upstreamTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    await withConsumerSpan(event, { traceparent: `00-${upstreamTrace}-00f067aa0ba902b7-01` }, SERVICE, async () => {
      logger.info({ skus: 1 }, 'stock sold');
    });

    expect(parsed()).toEqual([
      expect.objectContaining({ msg: 'stock sold', order_id: event.orderId, event_id: event.eventId, event_type: 'OrderPaid', trace_id: upstreamTrace }),
    ]);
  });

  it('never writes the Authorization header, cookies, the idempotency key or secrets', async () => {
    const middleware = pinoHttp(params, sink());
    const server: Server = createServer((request, response) => {
      middleware(request, response);
      request.log.info(
        { headers: request.headers, config: { AUTH_JWT_SECRET: 'jwt-secret-value', DATABASE_URL: 'postgres://u:db-password@db/x' }, password: 'pw-value' },
        'handling',
      );
      response.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      await fetch(`http://127.0.0.1:${port}/orders?x=1`, {
        headers: { authorization: 'Bearer eyJ.secret-token', cookie: 'session=cookie-value', 'idempotency-key': 'key-value' },
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      server.close();
    }

    const output = lines.join('\n');
    for (const secret of ['secret-token', 'cookie-value', 'key-value', 'jwt-secret-value', 'db-password', 'pw-value']) expect(output).not.toContain(secret);
    expect(output).toContain('[redacted]');
    expect(parsed()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ msg: 'request completed', req: expect.objectContaining({ method: 'GET', url: '/orders' }), res: { statusCode: 200 } }),
      ]),
    );
  });
});
