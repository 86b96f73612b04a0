import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { sleep } from '@orders/platform-async';

/**
 * The first step of a shutdown (SIGTERM): `/ready` answers 503 at once while the process keeps
 * serving for SHUTDOWN_DRAIN_MS, so a load balancer or Kubernetes Service that probes readiness
 * stops sending new requests before the listener closes; requests in flight then finish as
 * the HTTP server closes. Runs before the consumers stop and the outbox flushes (Nest calls
 * every OnModuleDestroy hook before any BeforeApplicationShutdown hook).
 */
@Injectable()
export class ShutdownDrain implements OnModuleDestroy {
  private readonly logger = new Logger(ShutdownDrain.name);
  private draining = false;

  constructor(private readonly drainMs: number) {}

  get isDraining(): boolean {
    return this.draining;
  }

  async onModuleDestroy(): Promise<void> {
    this.draining = true;
    if (this.drainMs <= 0) return;
    this.logger.log(`shutting down: not ready, serving for ${this.drainMs} ms more`);
    await sleep(this.drainMs);
  }
}
