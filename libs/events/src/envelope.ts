import { randomUUID } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { IsISO8601, IsInt, IsObject, IsOptional, IsString, IsUUID, Max, MaxLength, Min, validateSync, ValidationError } from 'class-validator';
import { CompiledValidator, compileValidator } from './compiled-validator';
import { EventDefinition, EventName, Events, findDefinition, isEventType, PayloadOf } from './registry';

/** What travels in the value of every Kafka message of the saga (JSON). */
export interface EventEnvelope<P = unknown> {
  eventId: string;
  eventType: string;
  version: number;
  occurredAt: string;
  /** The order the event belongs to; null for catalog events keyed by sku. */
  orderId: string | null;
  payload: P;
}

export type EnvelopeOf<N extends EventName> = EventEnvelope<PayloadOf<N>>;

/** The validated shape of every envelope (also the source of the AsyncAPI envelope schema). */
export class EnvelopeShape {
  @IsUUID()
  eventId!: string;

  @IsString()
  @MaxLength(100)
  eventType!: string;

  @IsInt()
  @Min(1)
  @Max(1000)
  version!: number;

  @IsISO8601({ strict: true })
  occurredAt!: string;

  @IsOptional()
  @IsUUID()
  orderId!: string | null;

  @IsObject()
  payload!: Record<string, unknown>;
}

/** A consumed message that can never be processed: it goes to the dead-letter topic. */
export class InvalidEventError extends Error {
  constructor(readonly reason: string) {
    super(`invalid event: ${reason}`);
    this.name = 'InvalidEventError';
  }
}

export function createEvent<N extends EventName>(
  name: N,
  fields: { orderId: string | null; payload: PayloadOf<N>; eventId?: string; occurredAt?: Date },
): EnvelopeOf<N> {
  const definition = Events[name];
  return {
    eventId: fields.eventId ?? randomUUID(),
    eventType: definition.type,
    version: definition.version,
    occurredAt: (fields.occurredAt ?? new Date()).toISOString(),
    orderId: fields.orderId,
    payload: fields.payload,
  };
}

/** The Kafka message key: order id for the saga, sku for catalog snapshots. */
export function messageKeyOf(envelope: EventEnvelope): string {
  const definition = findDefinition(envelope.eventType, envelope.version);
  if (definition?.key === 'sku') return String((envelope.payload as { sku: unknown }).sku);
  return orderIdOf(envelope);
}

/** The order a saga event belongs to (decodeEvent refuses a saga event without one). */
export function orderIdOf(envelope: EventEnvelope): string {
  if (!envelope.orderId) throw new InvalidEventError(`${envelope.eventType} needs an orderId`);
  return envelope.orderId;
}

function describe(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => `${path}: ${message}`);
    return [...own, ...describe(error.children ?? [], path)];
  });
}

/** A consumed message's value parsed as a JSON object, not yet checked against the contract. */
export type EventFields = Record<string, unknown>;

export interface DecodedEvent {
  envelope: EventEnvelope;
  definition: EventDefinition;
}

/** Parses a consumed message's value into a JSON object (InvalidEventError when it is not one). */
export function parseEventValue(value: Buffer | string | null | undefined): EventFields {
  if (value === null || value === undefined || value.length === 0) throw new InvalidEventError('empty message');
  let raw: unknown;
  try {
    raw = JSON.parse(value.toString());
  } catch {
    throw new InvalidEventError('value is not JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InvalidEventError('value is not a JSON object');
  return raw as EventFields;
}

/**
 * The event type a parsed message claims, when it is one of the contract's: enough for a consumer
 * to skip another consumer's event without validating it. Undefined otherwise (no eventType, or
 * one the contract does not know): only validateEvent can judge such a message.
 */
export function claimedEventType(fields: EventFields): string | undefined {
  const { eventType } = fields;
  return typeof eventType === 'string' && isEventType(eventType) ? eventType : undefined;
}

/**
 * Checks parsed fields against the contract. Unknown fields are dropped (tolerant reader); a
 * wrong or missing field throws InvalidEventError.
 */
export function validateEvent(fields: EventFields): DecodedEvent {
  // The compiled checks accept the valid events; whatever they refuse, class-validator judges,
  // so a dead letter's reason reads exactly as it always has.
  return validateCompiled(fields) ?? validateWithClassValidator(fields);
}

/** Parses and validates a consumed message value against the contract (see validateEvent). */
export function decodeEvent(value: Buffer | string | null | undefined): DecodedEvent {
  return validateEvent(parseEventValue(value));
}

const envelopeValidator = compileValidator(EnvelopeShape);
const payloadValidators = new Map<EventDefinition, CompiledValidator>(
  Object.values(Events).map((definition) => [definition as EventDefinition, compileValidator(definition.payload)]),
);

/** The fast path: the event if the compiled validators accept it, else undefined. */
function validateCompiled(fields: EventFields): DecodedEvent | undefined {
  const envelope = envelopeValidator(fields) as EnvelopeShape | undefined;
  if (!envelope) return undefined;
  const definition = findDefinition(envelope.eventType, envelope.version);
  if (!definition || (definition.key === 'orderId' && !envelope.orderId)) return undefined;
  const payload = payloadValidators.get(definition)?.(envelope.payload);
  if (!payload) return undefined;
  const { eventId, eventType, version, occurredAt, orderId } = envelope;
  return { definition, envelope: { eventId, eventType, version, occurredAt, orderId: orderId ?? null, payload } };
}

/**
 * The reference: class-transformer and class-validator, as every consumed message was checked
 * before the compiled validators. Judges what those refuse and writes the error messages; the
 * spec compares the two on valid and invalid samples of every event type.
 */
export function validateWithClassValidator(fields: EventFields): DecodedEvent {
  try {
    return classValidatorDecode(fields);
  } catch (error) {
    if (error instanceof InvalidEventError) throw error;
    // class-transformer throws on some values (any object with a "constructor" field). Such a
    // message can never be processed: a dead letter, not an error that retries its batch forever.
    throw new InvalidEventError(`value could not be validated: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function classValidatorDecode(fields: EventFields): DecodedEvent {
  const envelope = plainToInstance(EnvelopeShape, fields);
  const envelopeErrors = validateSync(envelope, { forbidUnknownValues: true });
  if (envelopeErrors.length > 0) throw new InvalidEventError(describe(envelopeErrors).join('; '));

  const definition = findDefinition(envelope.eventType, envelope.version);
  if (!definition) throw new InvalidEventError(`unknown event ${envelope.eventType} v${envelope.version}`);
  if (definition.key === 'orderId' && !envelope.orderId) throw new InvalidEventError(`${definition.type} needs an orderId`);

  const payload = plainToInstance(definition.payload, envelope.payload, { excludeExtraneousValues: false });
  const payloadErrors = validateSync(payload, { whitelist: true, forbidUnknownValues: true });
  if (payloadErrors.length > 0) throw new InvalidEventError(describe(payloadErrors, 'payload').join('; '));

  return {
    definition,
    envelope: {
      eventId: envelope.eventId,
      eventType: envelope.eventType,
      version: envelope.version,
      occurredAt: envelope.occurredAt,
      orderId: envelope.orderId ?? null,
      payload: { ...payload },
    },
  };
}

export function encodeEvent(envelope: EventEnvelope): string {
  return JSON.stringify(envelope);
}
