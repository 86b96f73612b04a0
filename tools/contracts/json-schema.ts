import type { TypeMetadata } from 'class-transformer';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { targetConstructorToSchema } from 'class-validator-jsonschema';

/** A JSON Schema object as this repository's documents use it (draft-07 / OpenAPI 3.0 subset). */
export type JsonSchema = {
  type?: string | string[];
  description?: string;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  $ref?: string;
  nullable?: boolean;
  allOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  [keyword: string]: unknown;
};

type Constructor = abstract new (...args: never[]) => object;

export const SCHEMA_REF_PREFIX = '#/components/schemas/';

/**
 * JSON Schemas of the given class-validator classes and of every class they nest
 * (`@ValidateNested` + `@Type`), keyed by class name, with nested classes as `$ref`s.
 * The decorators that validate a consumed event are the ones that describe it: one source.
 */
export function schemasOf(roots: Constructor[]): Record<string, JsonSchema> {
  const schemas: Record<string, JsonSchema> = {};
  const owners = new Map<string, Constructor>();
  const pending = [...roots];
  for (let target = pending.shift(); target; target = pending.shift()) {
    const owner = owners.get(target.name);
    if (owner === target) continue;
    if (owner) throw new Error(`two schema classes are named ${target.name}`);
    owners.set(target.name, target);
    schemas[target.name] = targetConstructorToSchema(target, {
      classTransformerMetadataStorage: defaultMetadataStorage,
      refPointerPrefix: SCHEMA_REF_PREFIX,
    }) as JsonSchema;
    pending.push(...nestedClassesOf(target, Object.keys(schemas[target.name].properties ?? {})));
  }
  return schemas;
}

/** Classes a class nests through class-transformer's `@Type` (inherited properties included). */
function nestedClassesOf(target: Constructor, properties: string[]): Constructor[] {
  return properties.flatMap((property) => {
    // Undefined for a property without @Type, whatever the declaration says.
    const metadata = defaultMetadataStorage.findTypeMetadata(target, property) as TypeMetadata | undefined;
    return metadata ? [metadata.typeFunction() as Constructor] : [];
  });
}
