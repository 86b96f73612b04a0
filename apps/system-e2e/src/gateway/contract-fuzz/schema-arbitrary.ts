import fc from 'fast-check';

/** The subset of OpenAPI 3.0 schema keywords the gateway's document uses. */
export interface Schema {
  $ref?: string;
  allOf?: Schema[];
  type?: string | string[];
  enum?: unknown[];
  nullable?: boolean;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  not?: Schema;
  example?: unknown;
}

export type Components = Record<string, Schema>;

export function resolve(schema: Schema, components: Components): Schema {
  if (schema.$ref) return resolve(components[schema.$ref.replace('#/components/schemas/', '')], components);
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((part) => resolve(part, components))) as Schema;
  return schema;
}

/**
 * Values valid against a documented schema. `hints` give realistic values for some property
 * names (skus that exist), so valid requests also reach the success paths.
 */
export function validValue(schema: Schema, components: Components, hints: Record<string, fc.Arbitrary<unknown>> = {}, name = ''): fc.Arbitrary<unknown> {
  const resolved = resolve(schema, components);
  if (hints[name]) return hints[name];
  if (resolved.enum) return fc.constantFrom(...resolved.enum.filter((value) => value !== null));
  const type = Array.isArray(resolved.type) ? resolved.type[0] : resolved.type;
  switch (type) {
    case 'integer': {
      const min = resolved.minimum ?? -1_000_000;
      const max = resolved.maximum ?? 1_000_000;
      const excluded = (resolved.not?.enum ?? []) as number[];
      return fc.integer({ min, max }).filter((value) => !excluded.includes(value));
    }
    case 'number':
      return fc.double({ min: resolved.minimum ?? -1e6, max: resolved.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const items = validValue(resolved.items ?? {}, components, hints, name);
      return fc.array(items, { minLength: resolved.minItems ?? 0, maxLength: Math.min(resolved.maxItems ?? 3, 3) });
    }
    case 'object': {
      const properties = Object.entries(resolved.properties ?? {});
      const required = new Set(resolved.required ?? []);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, property] of properties) record[key] = validValue(property, components, hints, key);
      return fc.record(record, { requiredKeys: properties.map(([key]) => key).filter((key) => required.has(key)) });
    }
    default:
      return validString(resolved);
  }
}

function validString(schema: Schema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.min(schema.maxLength ?? 40, 80);
  if (schema.pattern) {
    const pattern = new RegExp(schema.pattern);
    try {
      return fc.stringMatching(pattern).filter((value) => value.length >= minLength && value.length <= maxLength && pattern.test(value));
    } catch {
      // A pattern fast-check cannot generate from (lookarounds): printable strings that match it.
      return fc.string({ minLength: Math.max(minLength, 1), maxLength }).filter((value) => pattern.test(value));
    }
  }
  return fc.string({ minLength, maxLength });
}

/** JSON values of every shape, deep and odd ones included. */
export const anyJson = fc.jsonValue({ maxDepth: 4 });

/** A valid object with one thing wrong: a field missing, of a wrong type, out of range, or an extra one. */
export function invalidObject(valid: fc.Arbitrary<unknown>, schema: Schema, components: Components): fc.Arbitrary<unknown> {
  const resolved = resolve(schema, components);
  const keys = Object.keys(resolved.properties ?? {});
  if (keys.length === 0) return anyJson;
  return fc.tuple(valid, fc.constantFrom(...keys), anyJson, fc.constantFrom('drop', 'replace', 'extra', 'huge', 'negative')).map(([value, key, junk, how]) => {
    const object = { ...(value as Record<string, unknown>) };
    if (how === 'drop') Reflect.deleteProperty(object, key);
    else if (how === 'replace') object[key] = junk;
    else if (how === 'extra') object[`${key}Extra`] = junk;
    else if (how === 'huge') object[key] = 2 ** 31 + 7;
    else object[key] = -(2 ** 31) - 7;
    return object;
  });
}
