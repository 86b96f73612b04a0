import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JsonSchema } from './json-schema';
import { OpenApiDocument, openApiBreaks } from './openapi-changes';

/** Fixtures: the gateway's released document, changed the way a careless edit of a DTO or controller would. */
type Operation = {
  parameters: Array<{ name: string; in: string; required?: boolean; schema: JsonSchema }>;
  responses: Record<string, unknown>;
};
type Document = OpenApiDocument & {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Required<Pick<JsonSchema, 'properties'>> & JsonSchema> };
};
const released = JSON.parse(readFileSync(join(__dirname, '..', '..', 'apps/order-gateway/contract-baseline/openapi.json'), 'utf8')) as Document;
const edited = (edit: (doc: Document) => void): Document => {
  const doc = structuredClone(released);
  edit(doc);
  return doc;
};
const breaks = (doc: Document) => openApiBreaks(released, doc).map((change) => `${change.at}: ${change.change}`);

describe('REST breaking-change gate', () => {
  it('passes the unchanged document', () => {
    expect(breaks(edited(() => undefined))).toEqual([]);
  });

  it('fails on a removed path, operation or status', () => {
    expect(breaks(edited((doc) => delete doc.paths['/orders/{id}/cancel']))).toEqual(['/orders/{id}/cancel: removed path']);
    expect(breaks(edited((doc) => delete doc.paths['/orders'].get))).toEqual(['GET /orders: removed operation']);
    expect(breaks(edited((doc) => delete doc.paths['/orders/{id}'].get.responses['404']))).toEqual(['GET /orders/{id} 404: removed status']);
  });

  it('fails on a removed or retyped response field, wherever the schema is used', () => {
    const removed = breaks(edited((doc) => delete doc.components.schemas.OrderView.properties.totalCents));
    expect(removed).toEqual(
      expect.arrayContaining([
        'POST /orders 202 application/json: totalCents: removed field',
        'GET /orders/{id} 200 application/json: totalCents: removed field',
        'GET /orders 200 application/json: items[].totalCents: removed field',
      ]),
    );
    const retyped = breaks(edited((doc) => (doc.components.schemas.ProductView.properties.priceCents = { type: 'string' })));
    expect(retyped).toEqual([
      'GET /products 200 application/json: [].priceCents: retyped: integer -> string',
      'GET /products/{sku} 200 application/json: priceCents: retyped: integer -> string',
      'PATCH /admin/products/{sku} 200 application/json: priceCents: retyped: integer -> string',
    ]);
  });

  it('fails on a new required request field or parameter', () => {
    const field = edited((doc) => {
      doc.components.schemas.CreateOrderDto.properties.channel = { type: 'string' };
      doc.components.schemas.CreateOrderDto.required = ['items', 'channel'];
    });
    expect(breaks(field)).toEqual(['POST /orders body application/json: channel: new required field']);
    const parameter = edited((doc) => doc.paths['/orders'].get.parameters.push({ name: 'region', in: 'query', required: true, schema: { type: 'string' } }));
    expect(breaks(parameter)).toEqual(['GET /orders query region: new required parameter']);
  });

  it('fails on a narrowed enum, in a query parameter or a response', () => {
    const query = edited(
      (doc) => (doc.paths['/orders'].get.parameters.find((parameter) => parameter.name === 'status')!.schema.enum = ['CREATED', 'CANCELLED']),
    );
    expect(breaks(query)).toEqual(['GET /orders query status: narrowed enum: removed "RESERVED", "PAID", "CONFIRMED"']);
    const response = edited((doc) => (doc.components.schemas.OrderView.properties.status.enum = ['CREATED', 'RESERVED', 'PAID', 'CONFIRMED']));
    expect(breaks(response)).toEqual(expect.arrayContaining(['GET /orders/{id} 200 application/json: status: narrowed enum: removed "CANCELLED"']));
  });

  it('passes additions: a path, a status, an optional request field, a response field, an enum value, a fixed nullable enum', () => {
    const doc = edited((doc) => {
      doc.paths['/orders/{id}/events'] = { get: { parameters: [], responses: { '200': {} } } };
      doc.paths['/orders'].post.responses['501'] = { description: 'Not implemented' };
      doc.paths['/orders/{id}'].get.responses['410'] = { description: 'Gone' };
      doc.components.schemas.CreateOrderDto.properties.note = { type: 'string' };
      doc.components.schemas.OrderView.properties.channel = { type: 'string' };
      doc.components.schemas.OrderView.properties.status.enum?.push('REFUNDED');
      doc.components.schemas.OrderView.properties.cancelReason = {
        type: ['string', 'null'],
        enum: ['OUT_OF_STOCK', 'PAYMENT_FAILED', 'PAYMENT_TIMEOUT', 'USER_CANCELLED', null],
      };
      doc.components.schemas.ProblemDetailsView.properties.code = { type: 'string' };
    });
    expect(breaks(doc)).toEqual([]);
  });
});
