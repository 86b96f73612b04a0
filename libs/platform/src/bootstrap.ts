import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { HttpApp } from './http/create-http-app';
import { ServiceConfig } from './config/service-config';
import { startTracing, stopTracing } from './observability/tracing';

const LISTEN_BACKLOG = 4096;

/** Last step of a shutdown: export the spans and log lines still buffered. */
@Injectable()
export class TracingShutdown implements OnApplicationShutdown {
  private service = '';

  forService(service: string): this {
    this.service = service;
    return this;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.service) await stopTracing(this.service);
    // Nest re-raises the signal right after the hooks: write out buffered log lines first.
    await new Promise<void>((resolve) => (PinoLogger.root ? PinoLogger.root.flush(() => resolve()) : resolve()));
  }
}

/**
 * A service's `main`: tracing first (so instrumented code sees it), then the app, then
 * listen. SIGTERM runs Nest's shutdown: consumers stop, the outbox flushes, connections
 * close, and last the spans are exported.
 */
export async function runService<C extends ServiceConfig>(service: string, config: C, create: (config: C) => Promise<HttpApp>): Promise<void> {
  startTracing({ serviceName: service, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const app = await create(config);
  app.get(TracingShutdown).forService(service);
  // A deep accept backlog: a flash sale opens thousands of connections at once.
  await app.listen({ port: config.PORT, host: '0.0.0.0', backlog: LISTEN_BACKLOG });
}

export function exitOnStartupFailure(error: unknown): never {
  console.error(error);
  process.exit(1);
}
