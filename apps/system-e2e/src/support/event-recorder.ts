import { createKafka } from '@orders/platform-messaging';
import { KafkaSecurity } from '@orders/platform-config';
import { ALL_TOPICS, EventEnvelope, topicName } from '@orders/events';
import { Consumer } from 'kafkajs';

export interface RecordedEvent {
  topic: string;
  key: string | null;
  envelope: EventEnvelope;
}

/** Reads every saga topic of one test system, so tests can assert on what was published. */
export class EventRecorder {
  readonly events: RecordedEvent[] = [];
  private consumer: Consumer | null = null;
  private stopped = false;

  constructor(
    private readonly brokers: string[],
    private readonly prefix: string,
    private readonly security?: KafkaSecurity,
  ) {}

  async start(): Promise<void> {
    this.consumer = createKafka(`${this.prefix}recorder`, this.brokers, this.security).consumer({
      groupId: `${this.prefix}recorder`,
      maxWaitTimeInMs: 200,
      // Ride out a broker that is down (as the services do), and never restart once stopped:
      // a restart scheduled before stop() would outlive the test file.
      retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: Number.MAX_SAFE_INTEGER, restartOnFailure: async () => !this.stopped },
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: ALL_TOPICS.map((topic) => topicName(topic, this.prefix)), fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, message }) => {
        let envelope: EventEnvelope;
        try {
          envelope = JSON.parse(message.value?.toString() ?? '');
        } catch {
          return; // not an event (the dead-letter tests publish garbage on purpose)
        }
        this.events.push({ topic: topic.slice(this.prefix.length), key: message.key?.toString() ?? null, envelope });
      },
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer?.disconnect();
  }

  of(orderId: string): RecordedEvent[] {
    return this.events.filter((event) => event.envelope.orderId === orderId);
  }

  typesOf(orderId: string): string[] {
    return this.of(orderId).map((event) => event.envelope.eventType);
  }

  /** Waits until `predicate` holds over the recorded events (Kafka delivery is asynchronous). */
  async waitFor(predicate: (events: RecordedEvent[]) => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.events)) {
      if (Date.now() > deadline) throw new Error('timed out waiting for events');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
