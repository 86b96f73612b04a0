import type { INestApplication } from '@nestjs/common';
import type { AppLogScope } from '@orders/platform-observability';

type Step = 'init' | 'listen' | 'startAllMicroservices' | 'close';
const SCOPED_STEPS: Step[] = ['init', 'listen', 'startAllMicroservices', 'close'];

/**
 * Runs the app's start and stop steps in its log scope, so everything they start inherits
 * it: lifecycle hooks, their timers (outbox relay, retention, sweepers), the Kafka consumers,
 * the HTTP listener and its connections (so the requests). Their lines name this app's
 * service even when several apps share the process.
 */
export function scopeLogsToApp(app: INestApplication, scope: AppLogScope): void {
  const methods = Object.getPrototypeOf(app) as Record<Step, (...args: unknown[]) => Promise<unknown>>;
  for (const step of SCOPED_STEPS) {
    const run = methods[step];
    // Defined, not assigned, and called on whatever `this` Nest calls it on: NestFactory wraps
    // the app in a proxy that ignores assignments and calls methods on the app behind it.
    Object.defineProperty(app, step, {
      value: function (this: unknown, ...args: unknown[]) {
        return scope.run(() => run.apply(this, args));
      },
      configurable: true,
      writable: true,
    });
  }
}
