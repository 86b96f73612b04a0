import { ServiceName } from '@orders/events';
import { KafkaSecurity } from '@orders/platform-config';

/** What the messaging pieces need to know about the service they run in. */
export interface MessagingSettings {
  service: ServiceName;
  brokers: string[];
  /** TLS and SASL of the cluster's listener; unset: PLAINTEXT. */
  security?: KafkaSecurity;
  topicPrefix: string;
  partitionsConsumedConcurrently: number;
  /**
   * Group commit: transactions at once that apply the units the partition lanes have ready
   * together (see GroupCommitQueue); 0: each lane applies its own units.
   */
  groupCommitInFlight: number;
  /** Attempts for a message whose handler keeps failing, before it is dead-lettered. */
  maxHandlerAttempts: number;
  /** Rows published per outbox batch. */
  outboxBatchSize: number;
  /** How often the relay looks for rows when nobody woke it up. */
  outboxPollMs: number;
}

export const MESSAGING_SETTINGS = Symbol('MESSAGING_SETTINGS');

export const DEFAULT_MESSAGING: Omit<MessagingSettings, 'service' | 'brokers' | 'topicPrefix'> = {
  partitionsConsumedConcurrently: 6,
  groupCommitInFlight: 2,
  maxHandlerAttempts: 5,
  outboxBatchSize: 500,
  outboxPollMs: 250,
};
