import { Type } from 'class-transformer';
import { IsDefined, IsInt, IsString, ValidateIf } from 'class-validator';
import { compileValidator } from './compiled-validator';
import {
  createEvent,
  DecodedEvent,
  encodeEvent,
  EnvelopeShape,
  InvalidEventError,
  parseEventValue,
  validateEvent,
  validateWithClassValidator,
} from './envelope';
import { EventName, Events, PayloadOf } from './registry';

const orderId = '6f1c1f0e-8a53-4c1e-9d55-3f1f2f0c9a11';
const line = { sku: 'MUG-1', quantity: 2, unitPriceCents: 1250 };
const snapshot = { userId: 'user-7', items: [line, { sku: 'cap.blue_2', quantity: 1, unitPriceCents: 0 }], totalCents: 2500, currency: 'USD' as const };

/** A valid payload of every event type, as its producer writes it. */
const validPayloads: { [N in EventName]: PayloadOf<N> } = {
  OrderCreated: { ...snapshot, paymentMethod: 'pm_card_ok' },
  OrderPaid: { paymentId: 'pay_1', amountCents: 2500 },
  OrderConfirmed: { totalCents: 2500 },
  OrderCancelled: { reason: 'PAYMENT_FAILED', previousStatus: 'RESERVED' },
  OrderReserved: { ...snapshot, path: 'redis' },
  InventoryReservationFailed: { reason: 'OUT_OF_STOCK', shortages: [{ sku: 'MUG-1', requested: 3, available: 1 }] },
  StockCommitted: { items: [{ sku: 'MUG-1', quantity: 2 }] },
  StockReleased: { items: [{ sku: 'MUG-1', quantity: 2 }] },
  PaymentSuccess: { paymentId: 'pay_1', amountCents: 2500, currency: 'USD', providerTxId: 'tx_9' },
  PaymentFailed: { paymentId: 'pay_1', amountCents: 2500, reason: 'card_declined' },
  PaymentRefunded: { paymentId: 'pay_1', amountCents: 2500, refundId: 're_3' },
  ProductChanged: { sku: 'MUG-1', name: 'Mug', priceCents: 1250, currency: 'USD', available: 40, revision: 3 },
};

const names = Object.keys(Events) as EventName[];
const validEvent = (name: EventName) =>
  JSON.parse(
    encodeEvent(
      createEvent(name, {
        orderId: Events[name].key === 'orderId' ? orderId : null,
        payload: validPayloads[name],
        occurredAt: new Date('2026-11-30T12:00:00.000Z'),
      }),
    ),
  ) as Record<string, unknown>;

/** Values that break (or bend) a field of whatever type. */
const oddValues: unknown[] = [undefined, null, '', 'x', 'a'.repeat(300), -1, 0, 1.5, 1001, 2 ** 53, true, {}, [], [1], [{}], { sku: 'A' }];

/** Every sample: the valid event, then each field of the envelope, the payload and its items replaced by each odd value. */
function samples(name: EventName): Array<[string, string]> {
  const valid = validEvent(name);
  const out: Array<[string, string]> = [['valid', JSON.stringify(valid)]];
  const vary = (label: string, edit: (event: Record<string, unknown>, value: unknown) => void) => {
    for (const value of oddValues) {
      const event = structuredClone(valid);
      edit(event, value);
      out.push([`${label} = ${JSON.stringify(value) ?? 'undefined'}`, JSON.stringify(event)]);
    }
  };
  for (const field of ['eventId', 'eventType', 'version', 'occurredAt', 'orderId', 'payload']) vary(field, (event, value) => (event[field] = value));
  const payload = valid.payload as Record<string, unknown>;
  for (const field of Object.keys(payload)) {
    vary(`payload.${field}`, (event, value) => ((event.payload as Record<string, unknown>)[field] = value));
    const first = Array.isArray(payload[field]) ? (payload[field] as Record<string, unknown>[])[0] : undefined;
    for (const nested of Object.keys(first ?? {})) {
      vary(
        `payload.${field}[0].${nested}`,
        (event, value) => (((event.payload as Record<string, unknown[]>)[field][0] as Record<string, unknown>)[nested] = value),
      );
    }
    if (first) {
      vary(`payload.${field}[1]`, (event, value) => ((event.payload as Record<string, unknown[]>)[field][1] = value));
      out.push([`payload.${field} nested one level deeper`, JSON.stringify({ ...valid, payload: { ...payload, [field]: [payload[field]] } })]);
      out.push([`payload.${field} a lone object`, JSON.stringify({ ...valid, payload: { ...payload, [field]: first } })]);
    }
  }
  const text = JSON.stringify(valid);
  const payloadText = JSON.stringify(payload);
  out.push(
    ['an unknown payload field', JSON.stringify({ ...valid, payload: { ...payload, loyaltyPoints: 12 } })],
    ['an unknown envelope field', JSON.stringify({ ...valid, partition: 3 })],
    ['ISO-8601 date only', JSON.stringify({ ...valid, occurredAt: '2026-11-30' })],
    ['an impossible date', JSON.stringify({ ...valid, occurredAt: '2026-02-30T12:00:00Z' })],
    ['version 2', JSON.stringify({ ...valid, version: 2 })],
    ['an unknown event type', JSON.stringify({ ...valid, eventType: 'OrderTeleported' })],
    ['an upper-case event id', JSON.stringify({ ...valid, eventId: String(valid.eventId).toUpperCase() })],
    ['a __proto__ key in the payload', text.replace(payloadText, `{"__proto__":{"polluted":1},${payloadText.slice(1)}`)],
    ['a toString key in the payload', text.replace(payloadText, `{"toString":1,${payloadText.slice(1)}`)],
    ['a __proto__ key in the envelope', `{"__proto__":{"eventType":"OrderCreated"},${text.slice(1)}`],
  );
  return out;
}

type Outcome = { valid: DecodedEvent['envelope'] } | { invalid: string };
function outcome(validate: (fields: Record<string, unknown>) => DecodedEvent, value: string): Outcome {
  try {
    return { valid: validate(parseEventValue(value)).envelope };
  } catch (error) {
    return { invalid: (error as { reason?: string }).reason ?? String(error) };
  }
}

describe('the compiled event validators', () => {
  describe.each(names)('%s', (name) => {
    const cases = samples(name);

    it.each(cases)('decides %s as class-validator does, with the same result or error message', (_label, value) => {
      // toEqual: the compiled copy leaves an absent optional field out; class-validator's
      // instance has it as undefined. The data is the same.
      expect(outcome(validateEvent, value)).toEqual(outcome(validateWithClassValidator, value));
    });

    it('accepts the valid event on its own, without class-validator', () => {
      const event = validEvent(name);
      expect(compileValidator(EnvelopeShape)(event)).toBeDefined();
      expect(compileValidator(Events[name].payload)(event.payload)).toEqual(validPayloads[name]);
    });

    it('has invalid samples to compare (the comparison is not vacuous)', () => {
      const invalid = cases.filter(([, value]) => 'invalid' in outcome(validateWithClassValidator, value));
      expect(invalid.length).toBeGreaterThan(20);
    });
  });

  describe('a field named "constructor", on which class-transformer throws', () => {
    const withConstructorField = (payload: string) => {
      const event = validEvent('OrderPaid');
      return JSON.stringify(event).replace(JSON.stringify(event.payload), payload);
    };

    it('is an unknown field like any other when the event is valid (tolerant reader)', () => {
      const value = withConstructorField('{"constructor":"x","paymentId":"pay_1","amountCents":2500}');
      expect(outcome(validateEvent, value)).toEqual({ valid: expect.objectContaining({ payload: validPayloads.OrderPaid }) });
    });

    it('makes an otherwise invalid event a dead letter, not an error that would retry its batch forever', () => {
      const value = withConstructorField('{"constructor":"x","paymentId":"pay_1","amountCents":"2500"}');
      expect(() => validateEvent(parseEventValue(value))).toThrow(InvalidEventError);
      expect(outcome(validateEvent, value)).toEqual({ invalid: expect.stringMatching(/^value could not be validated: /) });
    });
  });

  it('drops unknown fields, nested ones included (tolerant reader)', () => {
    const event = validEvent('OrderCreated');
    const payload = { ...(event.payload as Record<string, unknown>), loyaltyPoints: 12, items: [{ ...line, colour: 'red' }] };
    expect(compileValidator(Events.OrderCreated.payload)(payload)).toEqual({ ...snapshot, paymentMethod: 'pm_card_ok', items: [line] });
  });

  it('refuses decorators it does not know at compile time, instead of accepting what class-validator would refuse', () => {
    class WithIsDefined {
      @IsDefined()
      note!: string;
    }
    class WithValidateIf {
      @ValidateIf((object: { kind?: string }) => object.kind === 'card')
      @IsString()
      card!: string;
    }
    class Inner {
      @IsInt()
      n!: number;
    }
    class TypeWithoutValidateNested {
      @Type(() => Inner)
      @IsInt()
      inner!: Inner;
    }
    expect(() => compileValidator(WithIsDefined)).toThrow(/WithIsDefined\.note: the isDefined rule is not supported/);
    expect(() => compileValidator(WithIsDefined)).toThrow(/WithIsDefined/); // not cached half-built
    expect(() => compileValidator(WithValidateIf)).toThrow(/WithValidateIf\.card/);
    expect(() => compileValidator(TypeWithoutValidateNested)).toThrow(/TypeWithoutValidateNested\.inner: @Type without @ValidateNested/);
  });
});
