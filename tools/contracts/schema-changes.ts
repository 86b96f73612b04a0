import { JsonSchema } from './json-schema';

/**
 * Who reads a schema decides which changes break:
 * - `event`: producer and consumers of one event version are deployed apart and both validate
 *   (consumers reject what they do not expect), so a message must satisfy the old and the new
 *   schema alike: any removed, retyped or newly required field, any changed enum or constraint.
 *   Only a new optional field is safe (consumers drop unknown fields).
 * - `request`: old clients call the new server: the server must still accept what it accepted
 *   (a removed field is refused by the strict validation, a new required field is missing,
 *   a narrowed enum or constraint rejects old values); widening is safe.
 * - `response`: old clients read the new server: every field they read must still be there with
 *   its type and always present, and no enum value may disappear; additions are safe.
 */
export type Reader = 'event' | 'request' | 'response';

export interface Break {
  /** Where, e.g. `POST /orders 202 application/json: items[].sku`. */
  readonly at: string;
  readonly change: string;
}

export type RefResolver = (ref: string) => JsonSchema | undefined;

export interface SchemaSide {
  readonly schema: JsonSchema;
  readonly resolve: RefResolver;
}

/** Narrowing keywords: a larger value rejects more (min*) or a smaller one does (max*). */
const LOWER_BOUNDS = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems'] as const;
const UPPER_BOUNDS = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems'] as const;
const EXACT = ['pattern', 'format'] as const;

interface Shape {
  types: string[] | undefined;
  nullable: boolean;
  schema: JsonSchema;
  variants: JsonSchema[] | undefined;
  refs: string[];
}

/** Follows $ref, merges allOf, and reads nullability from `nullable`, `type: [.., 'null']` or a null variant. */
function shapeOf(input: JsonSchema, resolve: RefResolver, refs: string[] = []): Shape {
  let schema = input;
  while (schema.$ref) {
    const { $ref, ...siblings } = schema;
    if (refs.includes($ref)) break;
    refs = [...refs, $ref];
    schema = { ...(resolve($ref) ?? {}), ...siblings };
  }
  if (schema.allOf) {
    const { allOf, ...own } = schema;
    const merged = [...allOf.map((member) => shapeOf(member, resolve, refs).schema), own].reduce(mergeSchemas, {});
    return shapeOf(merged, resolve, refs);
  }
  let nullable = schema.nullable === true || schema.type === 'null' || (Array.isArray(schema.type) && schema.type.includes('null'));
  const variants = schema.oneOf ?? schema.anyOf;
  if (variants) {
    const { oneOf: _oneOf, anyOf: _anyOf, ...own } = schema;
    const concrete = variants.filter((variant) => variant.type !== 'null');
    nullable = nullable || concrete.length < variants.length;
    if (concrete.length === 1) {
      const single = shapeOf({ ...concrete[0], ...own }, resolve, refs);
      return { ...single, nullable: nullable || single.nullable };
    }
    return { types: undefined, nullable, schema: own, variants: concrete, refs };
  }
  const types = schema.type === undefined ? undefined : [schema.type].flat().filter((type) => type !== 'null');
  return { types: types && types.length > 0 ? types.sort() : undefined, nullable, schema, variants: undefined, refs };
}

function mergeSchemas(into: JsonSchema, next: JsonSchema): JsonSchema {
  return {
    ...into,
    ...next,
    properties: into.properties || next.properties ? { ...into.properties, ...next.properties } : undefined,
    required: into.required || next.required ? [...new Set([...(into.required ?? []), ...(next.required ?? [])])] : undefined,
  };
}

const show = (value: unknown) => JSON.stringify(value);
/** `at` ending in ':' is a prefix (e.g. `GET /orders 200 application/json:`) before the field path. */
const join = (at: string, field: string) => (!at ? field : at.endsWith(':') ? `${at} ${field}` : `${at}.${field}`);
const place = (at: string) => at.replace(/:$/, '') || '(root)';

/** The changes from `old` to `next` that break the given reader, with where they are. */
export function schemaBreaks(old: SchemaSide, next: SchemaSide, reader: Reader, at = ''): Break[] {
  return compare(shapeOf(old.schema, old.resolve), shapeOf(next.schema, next.resolve), { old, next, reader }, at, new Set());
}

interface Context {
  old: SchemaSide;
  next: SchemaSide;
  reader: Reader;
}

function compare(old: Shape, next: Shape, context: Context, at: string, visited: Set<string>): Break[] {
  // A recursive schema is compared once per pair of definitions.
  const pair = `${old.refs.join('>')}|${next.refs.join('>')}`;
  if (old.refs.length + next.refs.length > 0) {
    if (visited.has(pair)) return [];
    visited = new Set([...visited, pair]);
  }
  const { reader } = context;
  const breaks: Break[] = [];
  const report = (change: string) => breaks.push({ at: place(at), change });

  if (old.types && next.types && show(old.types) !== show(next.types)) {
    const widened = old.types.every((type) => next.types?.includes(type) || (type === 'integer' && next.types?.includes('number')));
    if (!(reader === 'request' && widened)) {
      report(`retyped: ${old.types.join('|')} -> ${next.types.join('|')}`);
      return breaks;
    }
  }
  if (old.nullable !== next.nullable && (reader === 'event' || (reader === 'request' && old.nullable)))
    report(next.nullable ? 'now nullable' : 'no longer accepts null');

  const o = old.schema;
  const n = next.schema;
  if (o.const !== undefined && show(o.const) !== show(n.const)) report(`constant changed: ${show(o.const)} -> ${show(n.const)}`);
  breaks.push(...enumBreaks(o, n, reader).map((change) => ({ at: place(at), change })));
  if (reader !== 'response') breaks.push(...constraintBreaks(o, n, reader).map((change) => ({ at: place(at), change })));

  const oldProperties = o.properties ?? {};
  const newProperties = n.properties ?? {};
  const oldRequired = new Set(o.required ?? []);
  const newRequired = new Set(n.required ?? []);
  for (const [name, property] of Object.entries(oldProperties)) {
    const field = join(at, name);
    if (!(name in newProperties)) {
      breaks.push({ at: place(field), change: 'removed field' });
      continue;
    }
    if (oldRequired.has(name) && !newRequired.has(name) && reader !== 'request')
      breaks.push({
        at: place(field),
        change: reader === 'event' ? 'no longer required (consumers of this version reject a message without it)' : 'no longer always present',
      });
    breaks.push(...compare(shapeOf(property, context.old.resolve), shapeOf(newProperties[name], context.next.resolve), context, field, visited));
  }
  if (reader !== 'response')
    for (const name of newRequired)
      if (!oldRequired.has(name)) breaks.push({ at: join(at, name), change: name in oldProperties ? 'now required' : 'new required field' });

  if (o.items && n.items)
    breaks.push(
      ...compare(
        shapeOf(o.items, context.old.resolve),
        shapeOf(n.items, context.next.resolve),
        context,
        at.endsWith(':') || !at ? join(at, '[]') : `${at}[]`,
        visited,
      ),
    );

  if (old.variants && next.variants) {
    if (next.variants.length < old.variants.length && reader !== 'response') report(`fewer alternatives: ${old.variants.length} -> ${next.variants.length}`);
    if (next.variants.length > old.variants.length && reader !== 'request') report(`more alternatives: ${old.variants.length} -> ${next.variants.length}`);
    const variants = next.variants;
    old.variants.slice(0, variants.length).forEach((variant, index) => {
      breaks.push(
        ...compare(shapeOf(variant, context.old.resolve), shapeOf(variants[index], context.next.resolve), context, `${place(at)}<${index}>`, visited),
      );
    });
  } else if (old.variants && !next.variants && reader === 'response') report('alternatives replaced by one shape');
  return breaks;
}

function enumBreaks(o: JsonSchema, n: JsonSchema, reader: Reader): string[] {
  if (!o.enum && !n.enum) return [];
  if (!o.enum) return reader === 'response' ? [] : [`now restricted to ${show(n.enum)}`];
  if (!n.enum) return reader === 'event' ? [`no longer restricted to ${show(o.enum)}`] : [];
  const [before, after] = [o.enum.map(show), n.enum.map(show)];
  const removed = before.filter((value) => !after.includes(value));
  const added = after.filter((value) => !before.includes(value));
  const changes: string[] = [];
  if (removed.length > 0) changes.push(`narrowed enum: removed ${removed.join(', ')}`);
  // An event consumer of this version validates with the old list and would dead-letter the new value.
  if (added.length > 0 && reader === 'event') changes.push(`widened enum: added ${added.join(', ')} (consumers of this version reject it)`);
  return changes;
}

function constraintBreaks(o: JsonSchema, n: JsonSchema, reader: Reader): string[] {
  const changes: string[] = [];
  const number = (value: unknown) => (typeof value === 'number' ? value : undefined);
  for (const keyword of LOWER_BOUNDS) {
    const [before, after] = [number(o[keyword]), number(n[keyword])];
    if (before === after) continue;
    const narrowed = after !== undefined && (before === undefined || after > before);
    if (narrowed || reader === 'event') changes.push(`${narrowed ? 'narrowed' : 'changed'} ${keyword}: ${show(before)} -> ${show(after)}`);
  }
  for (const keyword of UPPER_BOUNDS) {
    const [before, after] = [number(o[keyword]), number(n[keyword])];
    if (before === after) continue;
    const narrowed = after !== undefined && (before === undefined || after < before);
    if (narrowed || reader === 'event') changes.push(`${narrowed ? 'narrowed' : 'changed'} ${keyword}: ${show(before)} -> ${show(after)}`);
  }
  for (const keyword of EXACT) {
    if (show(o[keyword]) === show(n[keyword])) continue;
    const narrowed = n[keyword] !== undefined;
    if (narrowed || reader === 'event') changes.push(`${narrowed ? 'changed' : 'dropped'} ${keyword}: ${show(o[keyword])} -> ${show(n[keyword])}`);
  }
  return changes;
}
