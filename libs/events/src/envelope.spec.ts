import { claimedEventType, createEvent, decodeEvent, encodeEvent, InvalidEventError, messageKeyOf, parseEventValue } from './envelope';
import { eventTypesConsumedBy, Events, topicsConsumedBy } from './registry';

const orderId = '6f1c1f0e-8a53-4c1e-9d55-3f1f2f0c9a11';
const orderPayload = { userId: 'u1', items: [{ sku: 'A-1', quantity: 2, unitPriceCents: 500 }], totalCents: 1000, currency: 'USD' as const };
const created = () => createEvent('OrderCreated', { orderId, payload: orderPayload });

describe('event envelope', () => {
  it('round-trips a valid event through JSON', () => {
    const event = created();
    const { envelope, definition } = decodeEvent(Buffer.from(encodeEvent(event)));
    expect(definition).toBe(Events.OrderCreated);
    expect(envelope).toEqual(JSON.parse(encodeEvent(event)));
  });

  it('keys saga events by order id and catalog events by sku', () => {
    expect(messageKeyOf(created())).toBe(orderId);
    const product = createEvent('ProductChanged', {
      orderId: null,
      payload: { sku: 'A-1', name: 'A', priceCents: 1, currency: 'USD', available: 3, revision: 2 },
    });
    expect(messageKeyOf(product)).toBe('A-1');
  });

  it.each([
    ['not JSON', 'hello'],
    ['a JSON array', '[1,2]'],
    ['an empty value', ''],
    ['an unknown event type', JSON.stringify({ ...created(), eventType: 'OrderTeleported' })],
    ['an unknown version', JSON.stringify({ ...created(), version: 9 })],
    ['a missing event id', JSON.stringify({ ...created(), eventId: undefined })],
    ['a saga event without order id', JSON.stringify({ ...created(), orderId: null })],
    ['a negative quantity', JSON.stringify({ ...created(), payload: { ...orderPayload, items: [{ sku: 'A', quantity: -1, unitPriceCents: 1 }] } })],
    ['a quantity of the wrong type', JSON.stringify({ ...created(), payload: { ...orderPayload, totalCents: '1000' } })],
  ])('rejects %s as invalid (dead letter)', (_case, value) => {
    expect(() => decodeEvent(value)).toThrow(InvalidEventError);
  });

  it('reads the event type a message claims, before any validation, only when the contract knows it', () => {
    expect(claimedEventType(parseEventValue(encodeEvent(created())))).toBe('OrderCreated');
    // Broken elsewhere, the type still routes it (a consumer without a handler skips it unvalidated).
    expect(claimedEventType(parseEventValue(JSON.stringify({ eventType: 'OrderPaid', payload: 'broken' })))).toBe('OrderPaid');
    for (const eventType of [undefined, null, 42, 'OrderTeleported', 'toString']) {
      expect(claimedEventType(parseEventValue(JSON.stringify({ ...created(), eventType })))).toBeUndefined();
    }
  });

  it.each([
    ['', 'empty message'],
    ['{not json', 'value is not JSON'],
    ['null', 'value is not a JSON object'],
    ['[1,2]', 'value is not a JSON object'],
  ])('refuses to parse %j (%s)', (value, reason) => {
    expect(() => parseEventValue(value)).toThrow(new InvalidEventError(reason));
  });

  it('drops fields it does not know (tolerant reader)', () => {
    const event = { ...created(), payload: { ...orderPayload, loyaltyPoints: 12 } };
    expect(decodeEvent(JSON.stringify(event)).envelope.payload).not.toHaveProperty('loyaltyPoints');
  });
});

describe('event ownership', () => {
  it('gives every event exactly one producer that is not also its consumer', () => {
    for (const definition of Object.values(Events)) {
      expect((definition.consumers as readonly string[]).includes(definition.producer)).toBe(false);
    }
  });

  it('derives subscriptions from the registry', () => {
    expect(topicsConsumedBy('inventory-service')).toEqual(['orders.events']);
    expect(topicsConsumedBy('payment-service').sort()).toEqual(['inventory.events', 'orders.events']);
    expect(eventTypesConsumedBy('payment-service').sort()).toEqual(['OrderCancelled', 'OrderReserved']);
  });
});
