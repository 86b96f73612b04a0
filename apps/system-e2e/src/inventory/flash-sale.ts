import { RedisStock, StockEngine } from '@orders/inventory-service';
import { Agent, request } from 'node:http';
import { TestSystem } from '../support/system';
import { waitUntil } from '../support/wait';

export interface SaleResult {
  httpStatuses: Map<number, number>;
  outcomes: Array<{ status: string; cancel_reason: string | null; count: number }>;
  paths: Array<{ path: string; state: string; count: number }>;
  acceptedMs: number;
  settledMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * All buyers start at once; like a load balancer in front of the gateway, the client
 * multiplexes them over a bounded set of keep-alive connections (2,000 simultaneous
 * TCP connects to one in-process gateway mostly measure the listen backlog).
 */
export const BUYER_CONNECTIONS = 128;

function postOrder(agent: Agent, url: URL, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const call = request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (response) => {
      response.resume();
      response.on('end', () => {
        resolve(response.statusCode ?? 0);
      });
      response.on('error', reject);
    });
    call.on('error', reject);
    call.end(body);
  });
}

/**
 * `buyers` distinct users (distinct idempotency keys) each order one unit of `sku` at the
 * same moment through the gateway, paying with a card that always succeeds; resolves once
 * every order is terminal and the saga is quiet. `during` runs alongside the sale.
 *
 * `leadBuyers`: only that many buyers go at once with `during`; the others follow as soon as
 * `during` is done. A strike "once n units are reserved" then lands in the middle of the sale
 * whatever the consumer's batching: with all buyers at once, one transaction (a lane batch, or
 * several lanes' under group commit) can hold every unit in Redis before the first commit is
 * seen, and nothing is left to sell after the strike.
 */
export async function runFlashSale(
  system: TestSystem,
  sku: string,
  buyers: number,
  during?: () => Promise<void>,
  { leadBuyers = buyers }: { leadBuyers?: number } = {},
): Promise<SaleResult> {
  const started = Date.now();
  const body = JSON.stringify({ items: [{ sku, quantity: 1 }], paymentMethod: 'pm_card_ok' });
  const sideTask = during?.();
  const agent = new Agent({ keepAlive: true, maxSockets: BUYER_CONNECTIONS });
  const url = new URL('/orders', system.gatewayUrl);
  const buy = (index: number) =>
    postOrder(
      agent,
      url,
      { authorization: `Bearer ${system.token(`${sku}-buyer-${index}`)}`, 'idempotency-key': `${sku}-order-${index}`, 'content-type': 'application/json' },
      body,
    );
  const buyersFrom = (first: number, count: number) => Promise.all(Array.from({ length: count }, (_, offset) => buy(first + offset)));
  const leaders = buyersFrom(0, leadBuyers);
  const followers = leadBuyers < buyers ? sideTask?.then(() => buyersFrom(leadBuyers, buyers - leadBuyers)) : undefined;
  const statuses = [...(await leaders), ...((await followers) ?? [])];
  agent.destroy();
  const acceptedMs = Date.now() - started;
  await sideTask;
  for (;;) {
    const { rows } = await system.db.query(
      `SELECT count(*)::int AS open FROM gateway.orders o
        WHERE o.status NOT IN ('CONFIRMED', 'CANCELLED') AND EXISTS (SELECT 1 FROM gateway.order_items i WHERE i.order_id = o.id AND i.sku = $1)`,
      [sku],
    );
    if (rows[0].open === 0) break;
    await sleep(100);
  }
  await system.waitUntilQuiet(30_000);
  const settledMs = Date.now() - started;
  const httpStatuses = new Map<number, number>();
  for (const status of statuses) httpStatuses.set(status, (httpStatuses.get(status) ?? 0) + 1);
  const { rows: outcomes } = await system.db.query(
    `SELECT o.status, o.cancel_reason, count(*)::int AS count FROM gateway.orders o JOIN gateway.order_items i ON i.order_id = o.id
      WHERE i.sku = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
    [sku],
  );
  const { rows: paths } = await system.db.query(
    'SELECT path, state, count(*)::int AS count FROM inventory.reservations WHERE sku = $1 GROUP BY 1, 2 ORDER BY 1, 2',
    [sku],
  );
  return { httpStatuses, outcomes, paths, acceptedMs, settledMs };
}

export function engineOf(system: TestSystem): StockEngine {
  return system.inventory.get(StockEngine);
}

/** The engine's Redis side, to set up holds as other orders (or a crash) would leave them. */
export function redisStockOf(system: TestSystem): RedisStock {
  return system.inventory.get(RedisStock);
}

/** Until the engine decides reservations in Redis again (re-warmed after start or an outage). */
export async function waitForRedisServing(system: TestSystem, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!engineOf(system).redisServing) {
    if (Date.now() > deadline) throw new Error('the stock engine did not go back to Redis');
    await sleep(50);
  }
}

/** Waits until `count` reservations of `sku` exist (to strike a dependency mid-sale). */
export async function untilReserved(system: TestSystem, sku: string, count: number, timeoutMs = 60_000): Promise<void> {
  await waitUntil(async () => {
    const { rows } = await system.db.query('SELECT count(*)::int AS count FROM inventory.reservations WHERE sku = $1', [sku]);
    return rows[0].count >= count;
  }, timeoutMs);
}
