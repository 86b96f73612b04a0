import { AsyncApiDocument, AsyncApiMessage } from './asyncapi';
import { JsonSchema, SCHEMA_REF_PREFIX } from './json-schema';
import { Break, RefResolver, schemaBreaks } from './schema-changes';

interface EventVersion {
  readonly name: string;
  readonly type: string;
  readonly version: number;
  readonly topic: string;
  readonly message: AsyncApiMessage;
}

/** Every event type and version of an AsyncAPI document of ours (dead letters aside), keyed `Type v1`. */
function eventsOf(doc: AsyncApiDocument): Map<string, EventVersion> {
  const events = new Map<string, EventVersion>();
  for (const channel of Object.values(doc.channels))
    for (const { $ref } of Object.values(channel.messages)) {
      const message = doc.components.messages[$ref.slice($ref.lastIndexOf('/') + 1)];
      const envelope: Partial<Record<string, JsonSchema>> = message.payload.properties ?? {};
      const type = envelope.eventType?.const;
      if (typeof type !== 'string') continue;
      const version = Number(envelope.version?.const);
      events.set(`${type} v${version}`, { name: `${type} v${version}`, type, version, topic: channel.address, message });
    }
  return events;
}

const resolverOf =
  (doc: AsyncApiDocument): RefResolver =>
  (ref) =>
    doc.components.schemas[ref.replace(SCHEMA_REF_PREFIX, '')];

/**
 * What in `next` breaks a consumer or producer of an event version of `old` (the last released
 * contract): a version that disappeared, moved to another topic or key, or whose envelope,
 * payload or headers changed in a way one side would reject (see `Reader`: `event`). A change
 * must come as a new version beside the old one; and since the producer may switch versions at
 * any time, every consumer of one version of a type must consume all of its versions.
 */
export function eventBreaks(old: AsyncApiDocument, next: AsyncApiDocument): Break[] {
  const breaks: Break[] = [];
  const before = eventsOf(old);
  const after = eventsOf(next);
  for (const [name, event] of before) {
    const kept = after.get(name);
    if (!kept) {
      breaks.push({ at: name, change: 'removed event version (consumers may still receive it)' });
      continue;
    }
    if (kept.topic !== event.topic) breaks.push({ at: name, change: `moved from topic ${event.topic} to ${kept.topic}` });
    if (JSON.stringify(kept.message.bindings.kafka.key) !== JSON.stringify(event.message.bindings.kafka.key))
      breaks.push({ at: name, change: 'message key changed' });
    const side = (doc: AsyncApiDocument, schema: JsonSchema) => ({ schema, resolve: resolverOf(doc) });
    breaks.push(...schemaBreaks(side(old, event.message.payload), side(next, kept.message.payload), 'event', `${name}:`));
    breaks.push(...schemaBreaks(side(old, event.message.headers), side(next, kept.message.headers), 'event', `${name} headers:`));
  }
  breaks.push(...consumersOfEveryVersion(after));
  return breaks;
}

function consumersOfEveryVersion(events: Map<string, EventVersion>): Break[] {
  const byType = new Map<string, EventVersion[]>();
  for (const event of events.values()) byType.set(event.type, [...(byType.get(event.type) ?? []), event]);
  const breaks: Break[] = [];
  for (const versions of byType.values()) {
    const consumers = new Set(versions.flatMap((event) => event.message['x-consumers'] ?? []));
    for (const event of versions)
      for (const consumer of consumers)
        if (!(event.message['x-consumers'] ?? []).includes(consumer))
          breaks.push({
            at: event.name,
            change: `${consumer} consumes another version of ${event.type} but not this one (consumers must handle every live version)`,
          });
  }
  return breaks;
}
