// The saga's plumbing over Kafka: the transactional outbox and inbox in PostgreSQL, the relay
// that publishes the outbox, the consumer transport with batch handlers and dead letters, and
// the Kafka admin work (topics, consumer positions and lag).
export { createKafka } from './kafka-client';
export { DEFAULT_MESSAGING, MESSAGING_SETTINGS, type MessagingSettings } from './messaging-settings';
export { connectEventConsumer, MessagingModule } from './messaging.module';
export { OnEvent } from './on-event.decorator';
export { EventBatch, OnEventBatch, type OutboxEntry } from './event-batch';
export { afterCommit, withAfterCommit } from './after-commit';
export { TransactionalEvents, type UnitOfWork } from './transactional-events';
export { OutboxRelay } from './outbox.relay';
export { addOutboxShards, createMessagingTables, dropMessagingTables, dropOutboxShards, OUTBOX_SHARDS } from './messaging-tables';
export { ConsumerPosition } from './consumer-position';
export { ConsumerLagMonitor } from './consumer-lag';
export { KafkaProbe } from './kafka-probe';
export { deleteTopics, ensureTopics, sagaTopics, type TopicReplication } from './topic-admin';
export { listDeadLetters, redriveDeadLetters } from './dead-letters';
