import { INestApplication, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { NestFastifyListenOptions } from '@nestjs/platform-fastify';
import { ServiceConfig } from '@orders/platform-config';
import { AppLogScope, startTracing, stopTracing } from '@orders/platform-observability';
import { HttpApp } from './http/create-http-app';

const LISTEN_BACKLOG = 4096;

/** Last step of a shutdown: export the spans and log lines still buffered. */
@Injectable()
export class TracingShutdown implements OnApplicationShutdown {
  private service = '';

  constructor(private readonly logScope: AppLogScope) {}

  forService(service: string): this {
    this.service = service;
    return this;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.service) await stopTracing(this.service);
    // Nest re-raises the signal right after the hooks: write out buffered log lines first.
    await this.logScope.close();
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
  // A deep accept backlog: a flash sale opens thousands of connections at once. reusePort goes
  // through Fastify to Node's server.listen (Fastify's option types do not list it yet).
  const listenOptions: NestFastifyListenOptions & { reusePort: boolean } = {
    port: config.PORT,
    host: '0.0.0.0',
    backlog: LISTEN_BACKLOG,
    reusePort: config.HTTP_REUSE_PORT === 'true',
  };
  await app.listen(listenOptions);
}

/** Kafka said no to who we are (SASL credentials): retrying or restarting will not change its answer. */
function isKafkaAuthenticationRefusal(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) if (cause.name === 'KafkaJSSASLAuthenticationError') return true;
  return false;
}

/**
 * Starts the Kafka consumers. When the cluster refuses the service's credentials, the process
 * does not exit (a crash loop of stack traces): it logs the reason once, keeps serving
 * /health, and /ready reports kafka down (the probe gets the same refusal) until the service
 * is restarted with working credentials.
 */
export async function startEventConsumers(app: INestApplication): Promise<void> {
  try {
    await app.startAllMicroservices();
  } catch (error) {
    if (!isKafkaAuthenticationRefusal(error)) throw error;
    new Logger('Kafka').error(
      { reason: (error as Error).message },
      'Kafka refused the credentials of this service (KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD): not consuming, not ready',
    );
  }
}

export function exitOnStartupFailure(error: unknown): never {
  console.error(error);
  process.exit(1);
}
