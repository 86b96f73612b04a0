import { TestSystem } from '../support/system';
import { expectProblem, fieldsOf, rawRequest } from './http-kit';

/**
 * Issue 18, point 5: a sku is a path segment of the admin API. "." and ".." (which URL
 * parsers resolve away, even percent-encoded) are refused at creation; such a path is a 404
 * at the gateway, upstream paths are built segment by segment (upstreamPath), and no problem
 * body names an internal path.
 */
describe('skus as path segments', () => {
  let system: TestSystem;
  const admin = () => `Bearer ${system.adminToken()}`;

  beforeAll(async () => {
    system = await TestSystem.start();
  });

  afterAll(async () => {
    await system?.stop();
  });

  it.each(['.', '..'])('refuses to create the sku %j with 400 naming sku', async (sku) => {
    const response = await system.http().post('/admin/products').set('authorization', admin()).send({ sku, name: 'dots', priceCents: 1, initialStock: 1 });
    expect(fieldsOf(expectProblem(response, 400))).toEqual(['sku']);
    const { rows } = await system.db.query('SELECT count(*)::int AS n FROM inventory.products WHERE sku = $1', [sku]);
    expect(rows[0].n).toBe(0);
  });

  it.each([
    ['GET', '/admin/inventory/..'],
    ['GET', '/admin/inventory/.'],
    ['PATCH', '/admin/products/..'],
    ['POST', '/admin/inventory/../adjust'],
    ['GET', '/admin/inventory/%2e%2e'],
    ['PATCH', '/admin/products/%2E'],
  ])('answers %s %s with 404 whose instance is the path asked for', async (method, path) => {
    const response = await rawRequest(
      system.gatewayUrl,
      `${method} ${path} HTTP/1.1\r\nHost: test\r\nAuthorization: ${admin()}\r\nContent-Type: application/json`,
      method === 'GET' ? '' : '{"name":"x","delta":1}',
    );
    const problem = expectProblem(response, 404);
    expect(problem.instance).toBe(path);
  });

  it('relays inventory problems with the public path as their instance', async () => {
    const response = await system.http().patch('/admin/products/NO-SUCH-SKU').set('authorization', admin()).send({ name: 'x' });
    expect(expectProblem(response, 404).instance).toBe('/admin/products/NO-SUCH-SKU');
  });
});
