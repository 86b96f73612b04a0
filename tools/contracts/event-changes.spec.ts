import { AsyncApiDocument, buildAsyncApiDocument } from './asyncapi';
import { eventBreaks } from './event-changes';
import { JsonSchema } from './json-schema';

/** Fixtures: the real current document, changed the way a careless edit of libs/events would. */
const released = buildAsyncApiDocument();
const edited = (edit: (doc: AsyncApiDocument) => void): AsyncApiDocument => {
  const doc = structuredClone(released);
  edit(doc);
  return doc;
};
const breaks = (doc: AsyncApiDocument) => eventBreaks(released, doc).map((change) => `${change.at}: ${change.change}`);
const payload = (doc: AsyncApiDocument, name: string) => doc.components.schemas[name] as Required<Pick<JsonSchema, 'properties' | 'required'>> & JsonSchema;

describe('event breaking-change gate', () => {
  it('passes the unchanged contract', () => {
    expect(breaks(edited(() => undefined))).toEqual([]);
  });

  it('fails on a removed payload field', () => {
    const doc = edited((doc) => {
      delete payload(doc, 'OrderPaidV1').properties.amountCents;
      payload(doc, 'OrderPaidV1').required = ['paymentId'];
    });
    expect(breaks(doc)).toEqual(['OrderPaid v1: payload.amountCents: removed field']);
  });

  it('fails on a retyped payload field, also inside a shared shape', () => {
    const doc = edited((doc) => {
      payload(doc, 'PaymentSuccessV1').properties.amountCents = { type: 'string' };
      payload(doc, 'OrderLine').properties.quantity = { type: 'string' };
    });
    expect(breaks(doc)).toEqual(
      expect.arrayContaining([
        'PaymentSuccess v1: payload.amountCents: retyped: integer -> string',
        'OrderCreated v1: payload.items[].quantity: retyped: integer -> string',
        'OrderReserved v1: payload.items[].quantity: retyped: integer -> string',
      ]),
    );
  });

  it('fails on a new required field and passes a new optional one', () => {
    const required = edited((doc) => {
      payload(doc, 'PaymentFailedV1').properties.code = { type: 'string' };
      payload(doc, 'PaymentFailedV1').required.push('code');
    });
    expect(breaks(required)).toEqual(['PaymentFailed v1: payload.code: new required field']);
    const optional = edited((doc) => {
      payload(doc, 'PaymentFailedV1').properties.code = { type: 'string' };
    });
    expect(breaks(optional)).toEqual([]);
  });

  it('fails on a narrowed enum, and on a widened one (old consumers would dead-letter the new value)', () => {
    const narrowed = edited((doc) => {
      payload(doc, 'OrderCancelledV1').properties.reason.enum = ['OUT_OF_STOCK', 'PAYMENT_FAILED', 'PAYMENT_TIMEOUT'];
    });
    expect(breaks(narrowed)).toEqual(['OrderCancelled v1: payload.reason: narrowed enum: removed "USER_CANCELLED"']);
    const widened = edited((doc) => {
      payload(doc, 'OrderCancelledV1').properties.reason.enum?.push('FRAUD_SUSPECTED');
    });
    expect(breaks(widened)).toEqual(['OrderCancelled v1: payload.reason: widened enum: added "FRAUD_SUSPECTED" (consumers of this version reject it)']);
  });

  it('fails on a removed version, a moved topic, a changed key or a dropped header', () => {
    const removed = edited((doc) => {
      delete doc.channels.PaymentEvents.messages.PaymentRefundedV1;
    });
    expect(breaks(removed)).toEqual(['PaymentRefunded v1: removed event version (consumers may still receive it)']);
    const moved = edited((doc) => {
      doc.channels.PaymentEvents.messages.OrderConfirmedV1 = doc.channels.OrderEvents.messages.OrderConfirmedV1;
      delete doc.channels.OrderEvents.messages.OrderConfirmedV1;
    });
    expect(breaks(moved)).toEqual(['OrderConfirmed v1: moved from topic orders.events to payments.events']);
    const rekeyed = edited((doc) => {
      doc.components.messages.StockReleasedV1.bindings.kafka.key = { type: 'string' };
    });
    expect(breaks(rekeyed)).toEqual(['StockReleased v1: message key changed']);
    const header = edited((doc) => {
      delete doc.components.messages.OrderPaidV1.headers.properties?.['x-producer'];
    });
    expect(breaks(header)).toEqual(expect.arrayContaining(['OrderPaid v1 headers: x-producer: removed field']));
  });

  /** The way to change a payload: OrderCancelled v2 next to v1 (here: reason becomes a code). */
  const withVersion2 = (consumers: string[]) =>
    edited((doc) => {
      const v1 = doc.components.messages.OrderCancelledV1;
      doc.components.schemas.OrderCancelledV2 = { type: 'object', required: ['code'], properties: { code: { type: 'integer' } } };
      const envelope = structuredClone(v1.payload);
      envelope.properties!.version = { type: 'integer', const: 2 };
      envelope.properties!.payload = { $ref: '#/components/schemas/OrderCancelledV2' };
      doc.components.messages.OrderCancelledV2 = { ...structuredClone(v1), title: 'OrderCancelled v2', payload: envelope, 'x-consumers': consumers as never };
      doc.channels.OrderEvents.messages.OrderCancelledV2 = { $ref: '#/components/messages/OrderCancelledV2' };
    });

  it('passes a changed payload that comes as a new version beside the old one, consumed by the same services', () => {
    expect(breaks(withVersion2(['inventory-service', 'payment-service']))).toEqual([]);
  });

  it('fails when a consumer of the old version does not also consume the new one', () => {
    expect(breaks(withVersion2(['inventory-service']))).toEqual([
      'OrderCancelled v2: payment-service consumes another version of OrderCancelled but not this one (consumers must handle every live version)',
    ]);
  });
});
