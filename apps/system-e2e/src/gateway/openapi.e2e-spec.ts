import { SKU_PATTERN } from '@orders/events';
import { PROBLEM_TYPE_URIS } from '@orders/platform-http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestSystem } from '../support/system';

type Operation = {
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: Record<string, unknown> }>;
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
  responses: Record<
    string,
    {
      headers?: Record<string, unknown>;
      content?: Record<
        string,
        {
          schema: {
            $ref?: string;
            type?: string;
            items?: { $ref?: string };
            allOf?: Array<{ $ref?: string; properties?: Record<string, { enum?: unknown[] }> }>;
          };
          examples?: Record<string, { value: { type: string; status: number } }>;
        }
      >;
    }
  >;
};
type Schema = { required?: string[]; properties: Record<string, Record<string, unknown>> };
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, Schema> };
};

// What the HTTP layer can answer on any route: a URL or request it cannot parse (400), too slow
// (408), headers too large (431), a dependency away (503), an unexpected failure (500).
const ANY = [400, 408, 431, 500, 503];
// ... with a token (401), with a path parameter (414), with a body (400, 413, 415).
const TOKEN = [401];
const PARAM = [414];
const BODY = [413, 415];
const ADMIN = [...TOKEN, 403, 502];

/** Every gateway route of the contract with the status codes it can answer. */
const CONTRACT: Record<string, Record<string, number[]>> = {
  '/orders': { post: [202, ...ANY, ...TOKEN, ...BODY, 409, 422, 429], get: [200, ...ANY, ...TOKEN] },
  '/orders/{id}': { get: [200, ...ANY, ...TOKEN, ...PARAM, 404] },
  '/orders/{id}/cancel': { post: [200, ...ANY, ...TOKEN, ...PARAM, 404, 409] },
  '/products': { get: [200, ...ANY] },
  '/products/{sku}': { get: [200, ...ANY, ...PARAM, 404] },
  '/admin/products': { post: [201, ...ANY, ...ADMIN, ...BODY, 409] },
  '/admin/products/{sku}': { patch: [200, ...ANY, ...ADMIN, ...PARAM, ...BODY, 404] },
  '/admin/inventory/{sku}/adjust': { post: [200, ...ANY, ...ADMIN, ...PARAM, ...BODY, 404, 409] },
  '/admin/inventory/{sku}': { get: [200, ...ANY, ...ADMIN, ...PARAM, 404] },
  '/health': { get: [200, ...ANY] },
  '/ready': { get: [200, ...ANY] },
  '/metrics': { get: [200, ...ANY] },
};
const PUBLIC = new Set(['/products', '/products/{sku}', '/health', '/ready', '/metrics']);

/** Contract: OpenAPI at /docs and /docs-json, generated from the code, matching the contract. */
describe('gateway OpenAPI document', () => {
  let system: TestSystem;
  let doc: Document;
  const schema = (ref: string | undefined) => doc.components.schemas[(ref ?? '').replace('#/components/schemas/', '')];
  const operations = () =>
    Object.entries(CONTRACT).flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ path, method, operation: doc.paths[path][method] })));

  beforeAll(async () => {
    system = await TestSystem.start();
    const response = await system.http().get('/docs-json');
    expect(response.status).toBe(200);
    doc = response.body;
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('serves Swagger UI at /docs without a token', async () => {
    const response = await system.http().get('/docs');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(doc.openapi).toMatch(/^3\./);
  });

  it('serves exactly the committed snapshot that teams and the breaking-change gate read', () => {
    // apps/order-gateway/openapi.json is rendered without a running gateway (npm run contracts:update).
    const committed = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'order-gateway', 'openapi.json'), 'utf8'));
    expect(doc).toEqual(committed);
  });

  it('documents exactly the gateway routes of the contract, with their methods', () => {
    expect(Object.keys(doc.paths).sort()).toEqual(Object.keys(CONTRACT).sort());
    for (const [path, methods] of Object.entries(CONTRACT))
      expect({ path, methods: Object.keys(doc.paths[path]).sort() }).toEqual({ path, methods: Object.keys(methods).sort() });
  });

  it('documents the status codes each route answers', () => {
    for (const { path, method, operation } of operations()) {
      expect({ path, method, codes: Object.keys(operation.responses).map(Number).sort() }).toEqual({ path, method, codes: [...CONTRACT[path][method]].sort() });
    }
  });

  it('documents every error as application/problem+json with the RFC 9457 schema and an example', () => {
    const problem = doc.components.schemas.ProblemDetailsView;
    expect(problem.required?.sort()).toEqual(['detail', 'instance', 'status', 'title', 'type']);
    expect(Object.keys(problem.properties).sort()).toEqual(['detail', 'errors', 'instance', 'status', 'title', 'type']);
    const fieldError = schema((problem.properties.errors.items as { $ref: string }).$ref);
    expect(fieldError.required?.sort()).toEqual(['field', 'message']);

    for (const { path, method, operation } of operations()) {
      for (const [code, response] of Object.entries(operation.responses).filter(([code]) => Number(code) >= 400)) {
        const content = response.content ?? {};
        expect({ path, method, code, types: Object.keys(content) }).toEqual({ path, method, code, types: ['application/problem+json'] });
        const { schema: narrowed, examples } = content['application/problem+json'];
        expect(narrowed.allOf?.[0].$ref).toBe('#/components/schemas/ProblemDetailsView');
        const types = narrowed.allOf?.[1].properties?.type.enum as string[];
        expect(narrowed.allOf?.[1].properties?.status.enum).toEqual([Number(code)]);
        // Every type listed is in the catalogue, with an example of its own.
        for (const type of types)
          expect({ path, method, code, type, known: PROBLEM_TYPE_URIS.includes(type) }).toEqual({ path, method, code, type, known: true });
        expect(Object.values(examples ?? {}).map((example) => example.value.type)).toEqual(types);
        expect(Object.values(examples ?? {}).every((example) => example.value.status === Number(code))).toBe(true);
      }
    }
  });

  it('lists exactly the problem catalogue as ProblemDetailsView.type, and every catalogue type is answered by some operation', () => {
    // not-found is the answer to a route that does not exist, so to no operation.
    const routeless = ['https://order-platform.dev/problems/not-found'];
    expect(doc.components.schemas.ProblemDetailsView.properties.type.enum).toEqual(PROBLEM_TYPE_URIS);
    const documented = new Set(
      operations().flatMap(({ operation }) =>
        Object.values(operation.responses).flatMap(
          (response) => (response.content?.['application/problem+json']?.schema.allOf?.[1].properties?.type.enum ?? []) as string[],
        ),
      ),
    );
    expect(PROBLEM_TYPE_URIS.filter((type) => !documented.has(type))).toEqual(routeless);
  });

  it('declares the bearer security scheme and requires it everywhere but the catalog', () => {
    expect(doc.components.securitySchemes).toEqual({ bearer: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }) });
    for (const { path, method, operation } of operations()) {
      if (PUBLIC.has(path)) {
        expect({ path, method, security: operation.security ?? [] }).toEqual({ path, method, security: [] });
        expect(operation.responses['401']).toBeUndefined();
      } else {
        expect({ path, method, security: operation.security }).toEqual({ path, method, security: [{ bearer: [] }] });
        expect(operation.responses['401']).toBeDefined();
      }
      expect(Boolean(operation.responses['403'])).toBe(path.startsWith('/admin'));
    }
  });

  it('describes the order representation of the contract', () => {
    const order = doc.components.schemas.OrderView;
    const fields = ['id', 'userId', 'status', 'items', 'totalCents', 'currency', 'cancelReason', 'history', 'createdAt', 'updatedAt'];
    expect(Object.keys(order.properties).sort()).toEqual([...fields].sort());
    expect(order.required?.sort()).toEqual([...fields].sort());
    expect(order.properties.status.enum).toEqual(['CREATED', 'RESERVED', 'PAID', 'CONFIRMED', 'CANCELLED']);
    expect(order.properties.cancelReason).toMatchObject({
      nullable: true,
      enum: ['OUT_OF_STOCK', 'PAYMENT_FAILED', 'PAYMENT_TIMEOUT', 'USER_CANCELLED', null],
    });
    const item = schema((order.properties.items.items as { $ref: string }).$ref);
    expect(Object.keys(item.properties).sort()).toEqual(['quantity', 'sku', 'unitPriceCents']);
    for (const field of fields.filter((name) => name !== 'items' && name !== 'history'))
      expect({ field, example: order.properties[field].example !== undefined }).toEqual({ field, example: true });

    const accepted = doc.paths['/orders'].post.responses['202'];
    expect(accepted.content?.['application/json'].schema.$ref).toBe('#/components/schemas/OrderView');
    expect(Object.keys(accepted.headers ?? {})).toEqual(expect.arrayContaining(['Location', 'Idempotent-Replayed', 'Preference-Applied']));
    expect(doc.paths['/orders/{id}'].get.responses['200'].content?.['application/json'].schema.$ref).toBe('#/components/schemas/OrderView');
    expect(doc.paths['/orders/{id}/cancel'].post.responses['200'].content?.['application/json'].schema.$ref).toBe('#/components/schemas/OrderView');
    const page = schema(doc.paths['/orders'].get.responses['200'].content?.['application/json'].schema.$ref);
    expect(Object.keys(page.properties).sort()).toEqual(['items', 'nextCursor']);
    expect(page.properties.nextCursor.nullable).toBe(true);
  });

  it('describes POST /orders: body limits, Idempotency-Key, Prefer, Retry-After', () => {
    const create = doc.paths['/orders'].post;
    const body = schema(create.requestBody?.content['application/json'].schema.$ref);
    expect(body.required).toEqual(['items']);
    expect(body.properties.items).toMatchObject({ type: 'array', minItems: 1, maxItems: 50 });
    const line = schema((body.properties.items.items as { $ref: string }).$ref);
    expect(line.required?.sort()).toEqual(['quantity', 'sku']);
    expect(line.properties.quantity).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000 });
    expect(line.properties.sku).toMatchObject({ pattern: SKU_PATTERN.source });

    const headers = Object.fromEntries(
      (create.parameters ?? []).filter((parameter) => parameter.in === 'header').map((parameter) => [parameter.name, parameter.required ?? false]),
    );
    expect(headers).toEqual({ 'Idempotency-Key': true, Prefer: false });
    const key = (create.parameters ?? []).find((parameter) => parameter.name === 'Idempotency-Key');
    expect(key?.schema).toMatchObject({ type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x20-\\x7E]{1,255}$' });
    expect(Object.keys(create.responses['429'].headers ?? {})).toContain('Retry-After');
    expect(Object.keys(create.responses['409'].headers ?? {})).toContain('Retry-After');
    expect(Object.keys(create.responses['401'].headers ?? {})).toContain('WWW-Authenticate');
  });

  it('describes GET /orders: status, limit 1-100 default 20, cursor', () => {
    const query = Object.fromEntries(
      (doc.paths['/orders'].get.parameters ?? []).filter((parameter) => parameter.in === 'query').map((parameter) => [parameter.name, parameter]),
    );
    expect(Object.keys(query).sort()).toEqual(['cursor', 'limit', 'status']);
    expect(query.status.schema).toMatchObject({ enum: ['CREATED', 'RESERVED', 'PAID', 'CONFIRMED', 'CANCELLED'] });
    expect(query.limit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 100, default: 20 });
    expect(Object.values(query).every((parameter) => parameter.required === false)).toBe(true);
  });

  it('describes the catalog and the admin bodies and answers of the contract', () => {
    const product = schema(doc.paths['/products/{sku}'].get.responses['200'].content?.['application/json'].schema.$ref);
    expect(Object.keys(product.properties).sort()).toEqual(['available', 'currency', 'name', 'priceCents', 'sku']);
    expect(product.properties.available).toMatchObject({ minimum: 0 });
    expect(doc.paths['/products'].get.responses['200'].content?.['application/json'].schema).toMatchObject({
      type: 'array',
      items: { $ref: '#/components/schemas/ProductView' },
    });

    const bodyOf = (path: string, method: string) => schema(doc.paths[path][method].requestBody?.content['application/json'].schema.$ref);
    const create = bodyOf('/admin/products', 'post');
    expect(create.required?.sort()).toEqual(['initialStock', 'name', 'priceCents', 'sku']);
    expect(create.properties.sku).toMatchObject({ pattern: SKU_PATTERN.source, maxLength: 64 });
    expect(create.properties.priceCents).toMatchObject({ type: 'integer', minimum: 0 });
    expect(create.properties.initialStock).toMatchObject({ type: 'integer', minimum: 0 });
    const update = bodyOf('/admin/products/{sku}', 'patch');
    expect(update.required ?? []).toEqual([]);
    expect(Object.keys(update.properties).sort()).toEqual(['name', 'priceCents']);
    const adjust = bodyOf('/admin/inventory/{sku}/adjust', 'post');
    expect(adjust.required).toEqual(['delta']);
    expect(adjust.properties.delta).toMatchObject({ type: 'integer' });

    const answer = (path: string, method: string, code: string) => schema(doc.paths[path][method].responses[code].content?.['application/json'].schema.$ref);
    expect(Object.keys(answer('/admin/products', 'post', '201').properties).sort()).toEqual(['currency', 'name', 'priceCents', 'sku']);
    expect(Object.keys(answer('/admin/products/{sku}', 'patch', '200').properties).sort()).toEqual(['available', 'currency', 'name', 'priceCents', 'sku']);
    for (const [path, method] of [
      ['/admin/inventory/{sku}/adjust', 'post'],
      ['/admin/inventory/{sku}', 'get'],
    ]) {
      expect(Object.keys(answer(path, method, '200').properties).sort()).toEqual(['available', 'reserved', 'sku', 'sold']);
    }
  });
});
