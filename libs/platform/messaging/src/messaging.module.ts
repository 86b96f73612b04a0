import { ArgumentsHost, Catch, DynamicModule, INestApplication, Module, RpcExceptionFilter } from '@nestjs/common';
import { Observable, throwError } from 'rxjs';
import { ConsumerPosition } from './consumer-position';
import { EventsKafkaServer } from './events-kafka.server';
import { GracefulShutdown } from './graceful-shutdown';
import { KafkaProbe } from './kafka-probe';
import { MESSAGING_SETTINGS, MessagingSettings } from './messaging-settings';
import { OutboxRelay } from './outbox.relay';
import { TransactionalEvents } from './transactional-events';

/**
 * Nest's default RPC filter replaces an unknown error with a generic one; the
 * transport needs the original to tell "dependency away" from "bad message".
 */
@Catch()
class RethrowToTransportFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}

@Module({})
export class MessagingModule {
  static forRoot(settings: MessagingSettings): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      providers: [{ provide: MESSAGING_SETTINGS, useValue: settings }, OutboxRelay, TransactionalEvents, KafkaProbe, GracefulShutdown, ConsumerPosition],
      exports: [MESSAGING_SETTINGS, OutboxRelay, TransactionalEvents, KafkaProbe, ConsumerPosition],
    };
  }
}

/** Makes the HTTP app hybrid: the Kafka transport delivers events to `@EventPattern` handlers. */
export function connectEventConsumer(app: INestApplication, settings: MessagingSettings): EventsKafkaServer {
  const server = new EventsKafkaServer(settings, app.get(TransactionalEvents));
  // Deferred, so the filter is in place before the handlers are wired (Nest ignores global
  // filters registered after); the app's own init runs the lifecycle hooks, once.
  const microservice = app.connectMicroservice({ strategy: server }, { inheritAppConfig: false, deferInitialization: true });
  microservice.useGlobalFilters(new RethrowToTransportFilter());
  (microservice as unknown as { setIsInitHookCalled(called: boolean): void }).setIsInitHookCalled(true);
  app.get(GracefulShutdown).register(server);
  return server;
}
