import net from 'node:net';
import { TestSystem } from '../support/system';
import { expectProblem } from './http-kit';

interface Exchange {
  /** Everything the server sent before it closed the connection. */
  text: string;
  status: number | null;
}

/**
 * Writes `bytes` on a fresh connection, then stays silent (never closes, never sends more) and
 * collects what the server sends until the server closes the connection. Fails if the server
 * has not closed it after `giveUpMs`: the connection would be held forever.
 */
function stallAfter(baseUrl: string, bytes: string, giveUpMs = 15_000): Promise<Exchange> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(bytes));
    const chunks: Buffer[] = [];
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server still holds the connection after ${giveUpMs} ms; it sent: ${Buffer.concat(chunks).toString('utf8')}`));
    }, giveUpMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(giveUp);
      const text = Buffer.concat(chunks).toString('utf8');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ text, status: status ? Number(status[1]) : null });
    });
  });
}

/** The last response of a raw exchange, parsed like ResponseLike. */
function lastResponse(text: string) {
  const start = text.lastIndexOf('HTTP/1.1 ');
  const [head, ...rest] = text.slice(start).split('\r\n\r\n');
  const [statusLine, ...headerLines] = head.split('\r\n');
  const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, text: rest.join('\r\n\r\n') };
}

/**
 * Issue 18, point 1: a client that sends a request head, or a head and part of its body, and
 * then nothing, used to hold a connection forever. Every HTTP port (gateway, inventory,
 * payment) now bounds the head, the whole request and idle keep-alive connections
 * (HTTP_*_TIMEOUT_MS, small here) and answers 408 as a problem, then closes.
 */
describe('slow and stalled clients on every HTTP port', () => {
  let system: TestSystem;
  const ports: Array<[string, () => string]> = [
    ['gateway', () => system.gatewayUrl],
    ['inventory', () => system.inventoryUrl],
    ['payment', () => paymentUrl],
  ];
  let paymentUrl = '';

  beforeAll(async () => {
    system = await TestSystem.start({
      env: { HTTP_HEADERS_TIMEOUT_MS: '300', HTTP_REQUEST_TIMEOUT_MS: '600', HTTP_KEEP_ALIVE_TIMEOUT_MS: '300', HTTP_IDLE_TIMEOUT_MS: '5000' },
    });
    paymentUrl = await system.payment.getUrl();
  });

  afterAll(async () => {
    await system?.stop();
  });

  it.each(ports)('%s: a request head that stops half-way gets 408 and the connection is closed', async (_service, url) => {
    const exchange = await stallAfter(url(), 'GET /health HTTP/1.1\r\nHost: test\r\nX-Slow: ');
    expect(exchange.status).toBe(408);
    expectProblem(lastResponse(exchange.text), 408);
  });

  it.each([
    ['gateway', () => system.gatewayUrl, 'POST /orders'],
    ['inventory', () => system.inventoryUrl, 'POST /admin/products'],
  ])('%s: a body that stops half-way gets 408 and the connection is closed', async (_service, url, requestLine) => {
    const head = `${requestLine} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n`;
    const exchange = await stallAfter(url(), `${head}{"items":[`);
    expect(exchange.status).toBe(408);
    expectProblem(lastResponse(exchange.text), 408);
  });

  it.each(ports)('%s: an idle keep-alive connection is closed after its answer', async (_service, url) => {
    const exchange = await stallAfter(url(), 'GET /health HTTP/1.1\r\nHost: test\r\n\r\n');
    expect(exchange.status).toBe(200);
    expect(exchange.text.match(/HTTP\/1\.1 /g)).toHaveLength(1);
  });

  it('still serves a normal request on the same ports', async () => {
    const response = await system.http().get('/products');
    expect(response.status).toBe(200);
  });
});
