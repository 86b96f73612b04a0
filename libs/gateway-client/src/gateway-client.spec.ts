import { createGatewayClient } from './index';

/** Unit: what the client puts on the wire (the e2e spec typed-client.e2e-spec.ts runs it against the gateway). */
describe('gateway client', () => {
  const sent: Request[] = [];
  const fetch = async (request: Request) => {
    sent.push(request);
    return new Response(JSON.stringify({ items: [], nextCursor: null }), { status: 200, headers: { 'content-type': 'application/json' } });
  };

  it('sends the bearer token, path and query parameters where the document puts them', async () => {
    const client = createGatewayClient({ baseUrl: 'http://gateway.test', token: 'jwt-1', fetch });
    const { data } = await client.GET('/orders', { params: { query: { status: 'CANCELLED', limit: 5 } } });
    expect(data).toEqual({ items: [], nextCursor: null });
    expect(sent[0].url).toBe('http://gateway.test/orders?status=CANCELLED&limit=5');
    expect(sent[0].headers.get('authorization')).toBe('Bearer jwt-1');
  });

  it('sends no authorization header without a token (catalog reads)', async () => {
    await createGatewayClient({ baseUrl: 'http://gateway.test', fetch }).GET('/products/{sku}', { params: { path: { sku: 'A-1' } } });
    expect(sent[1].url).toBe('http://gateway.test/products/A-1');
    expect(sent[1].headers.has('authorization')).toBe(false);
  });
});
