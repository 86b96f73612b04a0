import {
  DEAD_LETTER_SUFFIX,
  DeadLetterHeaders,
  EnvelopeShape,
  EventDefinition,
  EventHeaders,
  Events,
  EVENT_SKU_PATTERN,
  ServiceName,
  Services,
  TOPIC_PARTITIONS,
  Topics,
} from '@orders/events';
import { JsonSchema, SCHEMA_REF_PREFIX, schemasOf } from './json-schema';

/**
 * The AsyncAPI 3.0 document of the saga's events, derived from the registry in libs/events
 * (topics, event types and versions, producers and consumers, key) and from the class-validator
 * decorators that consumers validate with (envelope and payloads). Committed as
 * libs/events/asyncapi.yaml by `npm run contracts:update`; a test fails when it is stale.
 */
export type AsyncApiDocument = {
  asyncapi: '3.0.0';
  info: { title: string; version: string; description: string };
  defaultContentType: string;
  servers: Record<string, unknown>;
  channels: Record<string, AsyncApiChannel>;
  operations: Record<string, AsyncApiOperation>;
  components: { messages: Record<string, AsyncApiMessage>; schemas: Record<string, JsonSchema> };
};
export type AsyncApiChannel = { address: string; title: string; description: string; messages: Record<string, Ref>; bindings: unknown };
export type AsyncApiOperation = { action: 'send' | 'receive'; title: string; channel: Ref; messages: Ref[]; tags: Array<{ name: string }> };
export type AsyncApiMessage = {
  name: string;
  title: string;
  summary: string;
  contentType: string;
  headers: JsonSchema;
  payload: JsonSchema;
  correlationId?: { description: string; location: string };
  bindings: { kafka: { key: JsonSchema; bindingVersion: string } };
  'x-producer'?: ServiceName;
  'x-consumers'?: ServiceName[];
};
type Ref = { $ref: string };

const KAFKA_BINDING_VERSION = '0.5.0';

const HEADER_DESCRIPTIONS: Record<keyof typeof EventHeaders, string> = {
  EventId: 'The envelope eventId (consumers deduplicate on it).',
  EventType: 'The envelope eventType.',
  EventVersion: 'The envelope version, as a decimal string.',
  Producer: 'The service that produced the event.',
  TraceParent: 'W3C trace context: one order is one trace across services.',
  TraceState: 'W3C trace state, when the producer had one.',
};

const DEAD_LETTER_HEADER_DESCRIPTIONS: Record<keyof typeof DeadLetterHeaders, string> = {
  Error: 'Why the message could not be processed (at most 2,000 characters).',
  SourceTopic: 'The topic the message was consumed from.',
  SourcePartition: 'Its partition, as a decimal string.',
  SourceOffset: 'Its offset, as a decimal string.',
  Consumer: 'The consuming service that gave up.',
  FailedAt: 'When it gave up (ISO-8601).',
  Attempts: 'How many times the handler was tried, as a decimal string.',
};

const DESCRIPTION = `Events of the order saga (choreography over Apache Kafka), generated from \`libs/events\`.

Every message value is a JSON envelope \`{ eventId, eventType, version, occurredAt, orderId, payload }\`;
a consumer validates it and its payload against the schemas below for every event type it handles, and
drops unknown fields (tolerant reader); a type it does not handle it skips on the type alone, and a message
whose type it cannot read (not JSON, no or an unknown \`eventType\`) it dead-letters.
A message that can never be processed goes to \`<topic>${DEAD_LETTER_SUFFIX}\` with its original headers and value.
Saga events are keyed by order id (one order, one partition, in order); catalog events by sku.
Changing a payload means a new version beside the old one, consumed by every consumer of the old one.
A deployment (or a test run) may prefix every topic name.`;

const messageId = (definition: EventDefinition) => `${definition.type}V${definition.version}`;
const ref = (path: string): Ref => ({ $ref: path });
const definitions = (): EventDefinition[] => Object.values(Events);

function headersOf(definition: EventDefinition): JsonSchema {
  const constants: Partial<Record<keyof typeof EventHeaders, JsonSchema>> = {
    EventId: { type: 'string', format: 'uuid' },
    EventType: { type: 'string', const: definition.type },
    EventVersion: { type: 'string', const: String(definition.version) },
    Producer: { type: 'string', const: definition.producer },
  };
  const names = Object.keys(EventHeaders) as Array<keyof typeof EventHeaders>;
  return {
    type: 'object',
    required: names.filter((name) => constants[name]).map((name) => EventHeaders[name]),
    properties: Object.fromEntries(names.map((name) => [EventHeaders[name], { type: 'string', ...constants[name], description: HEADER_DESCRIPTIONS[name] }])),
  };
}

function envelopeOf(definition: EventDefinition, envelope: JsonSchema): JsonSchema {
  const properties = envelope.properties ?? {};
  const keyedByOrder = definition.key === 'orderId';
  return {
    type: 'object',
    required: keyedByOrder ? [...(envelope.required ?? []), 'orderId'] : (envelope.required ?? []),
    properties: {
      ...properties,
      eventType: { ...properties.eventType, const: definition.type },
      version: { ...properties.version, const: definition.version },
      // The envelope accepts any strict ISO-8601 string; producers always write a date-time.
      occurredAt: { type: 'string', format: 'date-time' },
      orderId: {
        ...properties.orderId,
        description: keyedByOrder ? 'The order the event belongs to (also the message key).' : 'Catalog events belong to no order: null or absent.',
      },
      payload: ref(`${SCHEMA_REF_PREFIX}${definition.payload.name}`),
    },
  };
}

function keyOf(definition: EventDefinition): JsonSchema {
  return definition.key === 'orderId'
    ? { type: 'string', format: 'uuid', description: 'The order id: events of one order stay in order on one partition.' }
    : { type: 'string', pattern: EVENT_SKU_PATTERN.source, description: 'The sku: a compacted view keeps the newest snapshot per product.' };
}

function messageOf(definition: EventDefinition, envelope: JsonSchema): AsyncApiMessage {
  const consumers = definition.consumers.length > 0 ? definition.consumers.join(', ') : 'no service yet (read models, analytics)';
  return {
    name: definition.type,
    title: `${definition.type} v${definition.version}`,
    summary: `Produced by ${definition.producer}; consumed by ${consumers}.`,
    contentType: 'application/json',
    headers: headersOf(definition),
    payload: envelopeOf(definition, envelope),
    ...(definition.key === 'orderId' ? { correlationId: { description: 'The order id.', location: '$message.payload#/orderId' } } : {}),
    bindings: { kafka: { key: keyOf(definition), bindingVersion: KAFKA_BINDING_VERSION } },
    'x-producer': definition.producer,
    'x-consumers': [...definition.consumers],
  };
}

const deadLetterMessage: AsyncApiMessage = {
  name: 'DeadLetter',
  title: 'Dead letter',
  summary: 'A message of the source topic that its consumer could not process: original key, value and headers, plus the reason.',
  contentType: 'application/json',
  headers: {
    type: 'object',
    required: Object.values(DeadLetterHeaders),
    properties: Object.fromEntries(
      (Object.keys(DeadLetterHeaders) as Array<keyof typeof DeadLetterHeaders>).map((name) => [
        DeadLetterHeaders[name],
        { type: 'string', description: DEAD_LETTER_HEADER_DESCRIPTIONS[name] },
      ]),
    ),
  },
  payload: { description: 'The original message value, unchanged (it may not be valid JSON).' },
  bindings: { kafka: { key: { type: 'string', description: 'The original message key.' }, bindingVersion: KAFKA_BINDING_VERSION } },
};

function channels(): Record<string, AsyncApiChannel> {
  const result: Record<string, AsyncApiChannel> = {};
  for (const [channelId, topic] of Object.entries(Topics)) {
    const carried = definitions().filter((definition) => definition.topic === topic);
    result[channelId] = {
      address: topic,
      title: topic,
      description: `Key: ${carried[0]?.key === 'sku' ? 'sku' : 'order id'}. ${TOPIC_PARTITIONS[topic]} partitions.`,
      messages: Object.fromEntries(carried.map((definition) => [messageId(definition), ref(`#/components/messages/${messageId(definition)}`)])),
      bindings: { kafka: { topic, partitions: TOPIC_PARTITIONS[topic], bindingVersion: KAFKA_BINDING_VERSION } },
    };
    result[`${channelId}DeadLetters`] = {
      address: `${topic}${DEAD_LETTER_SUFFIX}`,
      title: `${topic}${DEAD_LETTER_SUFFIX}`,
      description: `Dead letters of ${topic}: \`node dist/tools/dead-letters.js list|redrive\`.`,
      messages: { DeadLetter: ref('#/components/messages/DeadLetter') },
      bindings: { kafka: { topic: `${topic}${DEAD_LETTER_SUFFIX}`, partitions: TOPIC_PARTITIONS[topic], bindingVersion: KAFKA_BINDING_VERSION } },
    };
  }
  return result;
}

/** Per service: what it sends and what it receives, channel by channel (from the registry). */
function operations(): Record<string, AsyncApiOperation> {
  const result: Record<string, AsyncApiOperation> = {};
  for (const service of Object.values(Services)) {
    for (const [channelId, topic] of Object.entries(Topics)) {
      const onTopic = definitions().filter((definition) => definition.topic === topic);
      const sent = onTopic.filter((definition) => definition.producer === service);
      const received = onTopic.filter((definition) => (definition.consumers as readonly string[]).includes(service));
      const operation = (action: 'send' | 'receive', carried: EventDefinition[]): AsyncApiOperation => ({
        action,
        title: `${service} ${action}s ${carried.map((definition) => definition.type).join(', ')}`,
        channel: ref(`#/channels/${channelId}`),
        messages: carried.map((definition) => ref(`#/channels/${channelId}/messages/${messageId(definition)}`)),
        tags: [{ name: service }],
      });
      if (sent.length > 0) result[`${service}.sends.${channelId}`] = operation('send', sent);
      if (received.length > 0) {
        result[`${service}.receives.${channelId}`] = operation('receive', received);
        result[`${service}.deadLetters.${channelId}`] = {
          action: 'send',
          title: `${service} dead-letters what it cannot process from ${topic}`,
          channel: ref(`#/channels/${channelId}DeadLetters`),
          messages: [ref(`#/channels/${channelId}DeadLetters/messages/DeadLetter`)],
          tags: [{ name: service }],
        };
      }
    }
  }
  return result;
}

export function buildAsyncApiDocument(): AsyncApiDocument {
  const schemas = schemasOf([EnvelopeShape, ...definitions().map((definition) => definition.payload)]);
  const { EnvelopeShape: envelope, ...payloads } = schemas;
  return {
    asyncapi: '3.0.0',
    info: { title: 'Order platform events', version: '1.0.0', description: DESCRIPTION },
    defaultContentType: 'application/json',
    servers: {
      local: { host: '127.0.0.1:9092', protocol: 'kafka', description: 'The development broker (scripts/kafka.sh); deployments set KAFKA_BROKERS.' },
    },
    channels: channels(),
    operations: operations(),
    components: {
      messages: {
        ...Object.fromEntries(definitions().map((definition) => [messageId(definition), messageOf(definition, envelope)])),
        DeadLetter: deadLetterMessage,
      },
      schemas: payloads,
    },
  };
}
