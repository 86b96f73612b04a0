import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { EventsKafkaServer } from './events-kafka.server';
import { OutboxRelay } from './outbox.relay';

/**
 * On SIGTERM, in this order: stop taking messages (the consumer finishes the ones in
 * flight and commits their offsets), then publish what the outbox still holds, then
 * let Nest close HTTP and the database. Killed instead (SIGKILL)? Nothing is lost
 * either: uncommitted offsets are redelivered and the outbox is published at restart.
 */
@Injectable()
export class GracefulShutdown implements BeforeApplicationShutdown {
  private readonly logger = new Logger(GracefulShutdown.name);
  private readonly consumers: EventsKafkaServer[] = [];

  constructor(private readonly relay: OutboxRelay) {}

  register(consumer: EventsKafkaServer): void {
    this.consumers.push(consumer);
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    const started = Date.now();
    await Promise.all(
      this.consumers.map((consumer) =>
        consumer.close().catch((error: unknown) => {
          this.logger.warn(`consumer close: ${(error as Error).message}`);
        }),
      ),
    );
    await this.relay.stop();
    this.logger.log(`stopped consuming and flushed the outbox in ${Date.now() - started} ms${signal ? ` (${signal})` : ''}`);
  }
}
