import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Admin } from 'kafkajs';
import { withTimeout } from '@orders/platform-async';
import { createKafka } from './kafka-client';
import { MESSAGING_SETTINGS, type MessagingSettings } from './messaging-settings';

/** Answers "is the Kafka cluster reachable?" for readiness, at most once a second. */
@Injectable()
export class KafkaProbe implements OnApplicationShutdown {
  private admin: Admin | null = null;
  private last: { at: number; error: Error | null } = { at: 0, error: null };

  constructor(@Inject(MESSAGING_SETTINGS) private readonly settings: MessagingSettings) {}

  async check(): Promise<void> {
    if (Date.now() - this.last.at > 1_000) {
      try {
        const admin = (this.admin ??= createKafka(`${this.settings.service}-probe`, this.settings.brokers, this.settings.security).admin({
          retry: { retries: 0 },
        }));
        await withTimeout(
          admin.connect().then(() => admin.describeCluster()),
          1_500,
          'kafka',
        );
        this.last = { at: Date.now(), error: null };
      } catch (error) {
        await this.admin?.disconnect().catch(() => undefined);
        this.admin = null;
        this.last = { at: Date.now(), error: error as Error };
      }
    }
    if (this.last.error) throw this.last.error;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
  }
}
