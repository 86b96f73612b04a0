import { Inject, Injectable } from '@nestjs/common';
import { REDIS } from '@orders/platform-service';
import type { Redis } from 'ioredis';
import { WarmState } from '../stock-store/stock-store';
import { ItemQuantity } from '../stock-store/stock-quantities';
import { luaScripts, ScriptName } from './lua-scripts';

/** Key layout under the client's keyPrefix. */
const KEYS = {
  warm: 'inv:warm',
  skus: 'inv:skus',
  holds: 'inv:holds',
  stock: (sku: string) => `inv:sku:${sku}`,
  hold: (orderId: string) => `inv:hold:${orderId}`,
};

export type RedisReserveResult =
  | { kind: 'held' }
  | { kind: 'short'; available: Map<string, number> }
  /** A sku is not loaded (a new product whose load failed): Postgres decides this order. */
  | { kind: 'missing' }
  /** Redis lost its data (restart) or was never warmed: it must be re-warmed before serving. */
  | { kind: 'cold' }
  /** An earlier attempt for this order was undone: Postgres decides. */
  | { kind: 'undone' };

export type SettleTarget = 'commit' | 'release' | 'undo';
type SettleResult = 'OK' | 'NONE' | `WAS_${string}`;

export interface RedisStockView {
  warm: boolean;
  stock: Map<string, { available: number; version: string }>;
  holds: Array<{ orderId: string; at: number; items: ItemQuantity[] }>;
}

type ScriptCall = (keys: string[], args: Array<string | number>) => Promise<unknown>;

/** Decodes `{order, at, n, stockKey, qty, ...}` per hold (snapshot.lua, open-holds.lua). */
function parseHolds(reply: Array<string | number>, stockPrefix: string): RedisStockView['holds'] {
  const holds: RedisStockView['holds'] = [];
  for (let i = 0; i < reply.length;) {
    const orderId = String(reply[i]);
    const at = Number(reply[i + 1]);
    const n = Number(reply[i + 2]);
    const items: ItemQuantity[] = [];
    for (let j = 0; j < n; j++) {
      items.push({ sku: String(reply[i + 3 + 2 * j]).slice(stockPrefix.length), quantity: Number(reply[i + 4 + 2 * j]) });
    }
    holds.push({ orderId, at, items });
    i += 3 + 2 * n;
  }
  return holds;
}

const SETTLE_CODES: Record<SettleTarget, string> = { commit: 'C', release: 'R', undo: 'X' };
const SETTLED_RECORD_TTL_SECONDS = 7 * 24 * 3600;

/**
 * The stock engine's Redis side: each operation is one Lua script, sent once (SCRIPT LOAD
 * by ioredis) and then called by SHA (EVALSHA, falling back to EVAL only on NOSCRIPT).
 */
@Injectable()
export class RedisStock {
  private readonly call: Record<ScriptName, ScriptCall>;
  private readonly prefix: string;

  constructor(@Inject(REDIS) private readonly redis: Redis) {
    this.prefix = redis.options.keyPrefix ?? '';
    const scripts = luaScripts();
    const call = {} as Record<ScriptName, ScriptCall>;
    for (const [name, lua] of Object.entries(scripts) as Array<[ScriptName, string]>) {
      const command = `inventory_${name.replace('-', '_')}`;
      if (!(command in redis)) redis.defineCommand(command, { lua });
      call[name] = (keys, args) => (redis as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[command](keys.length, ...keys, ...args);
    }
    this.call = call;
  }

  /** All items of the order or none; `items` sorted by sku, one entry per sku. */
  async reserve(orderId: string, items: ItemQuantity[], now = Date.now()): Promise<RedisReserveResult> {
    const reply = (await this.call.reserve(
      [KEYS.hold(orderId), KEYS.holds, KEYS.warm, ...items.map((item) => KEYS.stock(item.sku))],
      [orderId, now, ...items.map((item) => item.quantity)],
    )) as Array<string | number>;
    switch (reply[0]) {
      case 'HELD':
        return { kind: 'held' };
      case 'DUP':
        return reply[1] === 'X' || reply[1] === 'R' ? { kind: 'undone' } : { kind: 'held' };
      case 'SHORT': {
        const available = new Map(items.map((item) => [item.sku, item.quantity] as [string, number]));
        for (let i = 1; i < reply.length; i += 2) available.set(items[Number(reply[i]) - 1].sku, Number(reply[i + 1]));
        return { kind: 'short', available };
      }
      case 'MISSING':
        return { kind: 'missing' };
      default:
        return { kind: 'cold' };
    }
  }

  /** Exactly once per order; a repeat or a hold that never existed changes nothing. */
  async settle(orderId: string, target: SettleTarget): Promise<SettleResult> {
    return (await this.call.settle([KEYS.hold(orderId), KEYS.holds], [orderId, SETTLE_CODES[target], SETTLED_RECORD_TTL_SECONDS])) as SettleResult;
  }

  async adjust(sku: string, delta: number): Promise<boolean> {
    return (await this.call.adjust([KEYS.stock(sku)], [delta])) === 1;
  }

  async loadSku(sku: string, available: number): Promise<void> {
    await this.call['load-sku']([KEYS.stock(sku), KEYS.skus], [sku, available]);
  }

  /** Sets `available` only if the sku's version is still `version` ('' = it was missing). */
  async heal(sku: string, version: string, available: number): Promise<boolean> {
    return (await this.call.heal([KEYS.stock(sku), KEYS.skus], [sku, version, available])) === 1;
  }

  async snapshot(): Promise<RedisStockView> {
    const stockPrefix = this.prefix + KEYS.stock('');
    const [warm, stockReply, holdReply] = (await this.call.snapshot([KEYS.skus, KEYS.holds, KEYS.warm], [stockPrefix, this.prefix + KEYS.hold('')])) as [
      number,
      string[],
      Array<string | number>,
    ];
    const stock = new Map<string, { available: number; version: string }>();
    for (let i = 0; i < stockReply.length; i += 3) {
      if (stockReply[i + 1] !== '') stock.set(stockReply[i], { available: Number(stockReply[i + 1]), version: stockReply[i + 2] });
    }
    return { warm: warm === 1, stock, holds: parseHolds(holdReply, stockPrefix) };
  }

  /** The open holds with items on `skus` (only those items): one atomic read, O(open holds). */
  async openHolds(skus: string[]): Promise<RedisStockView['holds']> {
    const reply = (await this.call['open-holds']([KEYS.holds, ...skus.map((sku) => KEYS.stock(sku))], [this.prefix + KEYS.hold('')])) as Array<string | number>;
    return parseHolds(reply, this.prefix + KEYS.stock(''));
  }

  /** Replaces the whole view atomically; afterwards Redis is warm. */
  async rewarm(state: WarmState): Promise<void> {
    const payload = JSON.stringify({
      stock: state.stock.map((row) => [row.sku, row.available]),
      holds: state.holds.map((hold) => [hold.orderId, hold.at, hold.items.map((item) => [item.sku, item.quantity])]),
    });
    await this.call.rewarm([KEYS.warm, KEYS.skus, KEYS.holds], [this.prefix + KEYS.stock(''), this.prefix + KEYS.hold(''), payload, Date.now()]);
  }

  ping(): Promise<string> {
    return this.redis.ping();
  }
}
