import { JsonSchema } from './json-schema';
import { Break, RefResolver, schemaBreaks } from './schema-changes';

/** The parts of an OpenAPI 3.x document the breaking-change gate reads. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, JsonSchema>; parameters?: Record<string, unknown>; [kind: string]: unknown };
  [key: string]: unknown;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: JsonSchema;
}
interface Content {
  [mediaType: string]: { schema?: JsonSchema };
}
interface Operation {
  parameters?: Array<Parameter | { $ref: string }>;
  requestBody?: { required?: boolean; content?: Content };
  responses?: Record<string, { content?: Content; headers?: Record<string, unknown> }>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

function resolverOf(doc: OpenApiDocument): RefResolver {
  return (ref) => {
    const [, , kind, name] = ref.split('/');
    return (doc.components?.[kind] as Record<string, JsonSchema> | undefined)?.[name];
  };
}

function parametersOf(operation: Operation, pathItem: Record<string, unknown>, resolve: RefResolver): Map<string, Parameter> {
  const all = [...((pathItem.parameters as Operation['parameters']) ?? []), ...(operation.parameters ?? [])];
  const parameters = all.map((parameter) => ('$ref' in parameter ? (resolve(parameter.$ref) as unknown as Parameter) : parameter));
  // Header names are case-insensitive.
  return new Map(parameters.map((parameter) => [`${parameter.in} ${parameter.in === 'header' ? parameter.name.toLowerCase() : parameter.name}`, parameter]));
}

/**
 * What in `next` breaks a client written against `old`: a removed path, operation, status,
 * response content type or header, a removed or retyped response field, a new required request
 * field or parameter, a narrowed enum (see `Reader` for the rules). Additions are not breaks.
 */
export function openApiBreaks(old: OpenApiDocument, next: OpenApiDocument): Break[] {
  const breaks: Break[] = [];
  const resolveOld = resolverOf(old);
  const resolveNew = resolverOf(next);
  for (const [path, oldItem] of Object.entries(old.paths)) {
    if (!(path in next.paths)) {
      breaks.push({ at: path, change: 'removed path' });
      continue;
    }
    const newItem = next.paths[path];
    for (const method of METHODS.filter((name) => name in oldItem)) {
      const where = `${method.toUpperCase()} ${path}`;
      const before = oldItem[method] as Operation;
      const after = newItem[method] as Operation | undefined;
      if (!after) {
        breaks.push({ at: where, change: 'removed operation' });
        continue;
      }
      breaks.push(...parameterBreaks(where, parametersOf(before, oldItem, resolveOld), parametersOf(after, newItem, resolveNew), resolveOld, resolveNew));
      breaks.push(...requestBodyBreaks(where, before, after, resolveOld, resolveNew));
      breaks.push(...responseBreaks(where, before, after, resolveOld, resolveNew));
    }
  }
  return breaks;
}

function parameterBreaks(
  where: string,
  before: Map<string, Parameter>,
  after: Map<string, Parameter>,
  resolveOld: RefResolver,
  resolveNew: RefResolver,
): Break[] {
  const breaks: Break[] = [];
  for (const [key, parameter] of after)
    if (parameter.required && !before.get(key)?.required)
      breaks.push({ at: `${where} ${parameter.in} ${parameter.name}`, change: before.has(key) ? 'parameter now required' : 'new required parameter' });
  for (const [key, parameter] of before) {
    const at = `${where} ${parameter.in} ${parameter.name}`;
    const kept = after.get(key);
    // A header the server stops reading is ignored; a query parameter it stops accepting is refused.
    if (!kept) {
      if (parameter.in !== 'header') breaks.push({ at, change: 'removed parameter' });
      continue;
    }
    if (parameter.schema && kept.schema)
      breaks.push(...schemaBreaks({ schema: parameter.schema, resolve: resolveOld }, { schema: kept.schema, resolve: resolveNew }, 'request', at));
  }
  return breaks;
}

function requestBodyBreaks(where: string, before: Operation, after: Operation, resolveOld: RefResolver, resolveNew: RefResolver): Break[] {
  const breaks: Break[] = [];
  if (after.requestBody?.required && !before.requestBody?.required)
    breaks.push({ at: `${where} body`, change: before.requestBody ? 'body now required' : 'new required body' });
  for (const [mediaType, content] of Object.entries(before.requestBody?.content ?? {})) {
    const kept = after.requestBody?.content?.[mediaType];
    const at = `${where} body ${mediaType}`;
    if (!kept) breaks.push({ at, change: 'media type no longer accepted' });
    else if (content.schema && kept.schema)
      breaks.push(...schemaBreaks({ schema: content.schema, resolve: resolveOld }, { schema: kept.schema, resolve: resolveNew }, 'request', `${at}:`));
  }
  return breaks;
}

function responseBreaks(where: string, before: Operation, after: Operation, resolveOld: RefResolver, resolveNew: RefResolver): Break[] {
  const breaks: Break[] = [];
  for (const [status, response] of Object.entries(before.responses ?? {})) {
    const kept = after.responses?.[status];
    if (!kept) {
      breaks.push({ at: `${where} ${status}`, change: 'removed status' });
      continue;
    }
    for (const header of Object.keys(response.headers ?? {}))
      if (!Object.keys(kept.headers ?? {}).some((name) => name.toLowerCase() === header.toLowerCase()))
        breaks.push({ at: `${where} ${status} header ${header}`, change: 'removed response header' });
    for (const [mediaType, content] of Object.entries(response.content ?? {})) {
      const keptContent = kept.content?.[mediaType];
      const at = `${where} ${status} ${mediaType}`;
      if (!keptContent) breaks.push({ at, change: 'removed media type' });
      else if (content.schema && keptContent.schema)
        breaks.push(
          ...schemaBreaks({ schema: content.schema, resolve: resolveOld }, { schema: keptContent.schema, resolve: resolveNew }, 'response', `${at}:`),
        );
    }
  }
  return breaks;
}
