import { JsonSchema } from './json-schema';
import { Reader, schemaBreaks } from './schema-changes';

const definitions: Record<string, JsonSchema> = {
  Line: { type: 'object', required: ['sku'], properties: { sku: { type: 'string', maxLength: 64 } } },
};
const side = (schema: JsonSchema) => ({ schema, resolve: (ref: string) => definitions[ref.replace('#/components/schemas/', '')] });
const order = (overrides: Record<string, JsonSchema> = {}, required = ['id', 'status']): JsonSchema => ({
  type: 'object',
  required,
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: ['CREATED', 'PAID'] },
    note: { type: 'string', maxLength: 100 },
    lines: { type: 'array', items: { $ref: '#/components/schemas/Line' } },
    ...overrides,
  },
});
const changes = (before: JsonSchema, after: JsonSchema, reader: Reader) =>
  schemaBreaks(side(before), side(after), reader).map((change) => `${change.at}: ${change.change}`);

describe('schema comparison (breaking-change rules per reader)', () => {
  it.each<Reader>(['event', 'request', 'response'])('finds nothing between equal schemas (%s)', (reader) => {
    expect(changes(order(), order(), reader)).toEqual([]);
  });

  it.each<Reader>(['event', 'request', 'response'])('breaks every reader on a removed field (%s)', (reader) => {
    const { note: _note, ...rest } = order().properties!;
    expect(changes(order(), { ...order(), properties: rest }, reader)).toEqual(['note: removed field']);
  });

  it.each<Reader>(['event', 'request', 'response'])('breaks every reader on a retyped field (%s)', (reader) => {
    expect(changes(order(), order({ id: { type: 'integer' } }), reader)).toEqual(['id: retyped: string -> integer']);
  });

  it('follows $ref and array items to the field that changed', () => {
    definitions.LineV2 = { type: 'object', required: ['sku'], properties: { sku: { type: 'integer' } } };
    expect(changes(order(), order({ lines: { type: 'array', items: { $ref: '#/components/schemas/LineV2' } } }), 'response')).toEqual([
      'lines[].sku: retyped: string -> integer',
    ]);
  });

  it.each<[Reader, string[]]>([
    ['event', ['note: new required field']],
    ['request', ['note: new required field']],
    ['response', []],
  ])('a field that becomes required breaks producers/clients that omit it (%s)', (reader, expected) => {
    expect(changes(order(), order({}, ['id', 'status', 'note']), reader)).toEqual(expected.map((text) => text.replace('new required field', 'now required')));
    expect(changes(order(), order({ gift: { type: 'boolean' } }, ['id', 'status', 'gift']), reader)).toEqual(
      expected.map((text) => text.replace('note', 'gift')),
    );
  });

  it.each<Reader>(['event', 'request', 'response'])('a new optional field breaks nobody (%s)', (reader) => {
    expect(changes(order(), order({ gift: { type: 'boolean' } }), reader)).toEqual([]);
  });

  it.each<[Reader, string[]]>([
    ['event', ['id: no longer required (consumers of this version reject a message without it)']],
    ['request', []],
    ['response', ['id: no longer always present']],
  ])('a field that becomes optional breaks the readers that relied on it (%s)', (reader, expected) => {
    expect(changes(order(), order({}, ['status']), reader)).toEqual(expected);
  });

  it.each<Reader>(['event', 'request', 'response'])('a narrowed enum breaks every reader (%s)', (reader) => {
    expect(changes(order(), order({ status: { type: 'string', enum: ['CREATED'] } }), reader)).toEqual(['status: narrowed enum: removed "PAID"']);
  });

  it.each<[Reader, string[]]>([
    ['event', ['status: widened enum: added "CANCELLED" (consumers of this version reject it)']],
    ['request', []],
    ['response', []],
  ])('a widened enum breaks only the consumers of an event version (%s)', (reader, expected) => {
    expect(changes(order(), order({ status: { type: 'string', enum: ['CREATED', 'PAID', 'CANCELLED'] } }), reader)).toEqual(expected);
  });

  it.each<[Reader, string[]]>([
    ['event', ['note: narrowed maxLength: 100 -> 50']],
    ['request', ['note: narrowed maxLength: 100 -> 50']],
    ['response', []],
  ])('a narrowed constraint breaks whoever validates it (%s)', (reader, expected) => {
    expect(changes(order(), order({ note: { type: 'string', maxLength: 50 } }), reader)).toEqual(expected);
  });

  it.each<[Reader, string[]]>([
    ['event', ['note: changed maxLength: 100 -> 200']],
    ['request', []],
    ['response', []],
  ])('a widened constraint breaks only old event consumers (%s)', (reader, expected) => {
    expect(changes(order(), order({ note: { type: 'string', maxLength: 200 } }), reader)).toEqual(expected);
  });

  it('accepts a widened request type and refuses a request field that stops accepting null', () => {
    expect(changes(order({ id: { type: 'integer' } }), order({ id: { type: 'number' } }), 'request')).toEqual([]);
    expect(changes(order({ note: { type: 'string', nullable: true } }), order({ note: { type: 'string' } }), 'request')).toEqual([
      'note: no longer accepts null',
    ]);
  });

  it('reads nullability the three ways OpenAPI writes it, so fixing how a nullable enum is written breaks nothing', () => {
    const before = order({ reason: { type: 'string', nullable: true, enum: ['OUT_OF_STOCK', 'USER_CANCELLED'] } });
    const spellings: JsonSchema[] = [
      { type: 'string', nullable: true, enum: ['OUT_OF_STOCK', 'USER_CANCELLED', null] },
      { type: ['string', 'null'], enum: ['OUT_OF_STOCK', 'USER_CANCELLED', null] },
      { oneOf: [{ type: 'string', enum: ['OUT_OF_STOCK', 'USER_CANCELLED'] }, { type: 'null' }] },
      { allOf: [{ type: 'string', enum: ['OUT_OF_STOCK', 'USER_CANCELLED'] }], nullable: true },
    ];
    for (const reason of spellings) expect({ reason, breaks: changes(before, order({ reason }), 'response') }).toEqual({ reason, breaks: [] });
  });

  it('compares a recursive schema without looping', () => {
    definitions.Node = { type: 'object', properties: { child: { $ref: '#/components/schemas/Node' }, name: { type: 'string' } } };
    definitions.NodeV2 = { type: 'object', properties: { child: { $ref: '#/components/schemas/NodeV2' } } };
    expect(changes({ $ref: '#/components/schemas/Node' }, { $ref: '#/components/schemas/NodeV2' }, 'response')).toEqual(['name: removed field']);
  });
});
