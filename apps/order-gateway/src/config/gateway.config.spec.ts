import { ConfigError, DEVELOPMENT_JWT_SECRET, loadConfig } from '@orders/platform';
import { GatewayConfig } from './gateway.config';

describe('gateway config', () => {
  it('refuses to start in production on the development JWT secret', () => {
    expect(() => loadConfig(GatewayConfig, { NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig(GatewayConfig, { NODE_ENV: 'production', AUTH_JWT_SECRET: DEVELOPMENT_JWT_SECRET })).toThrow(/AUTH_JWT_SECRET/);
  });

  it('starts in production with a real secret, and in development on the default', () => {
    expect(loadConfig(GatewayConfig, { NODE_ENV: 'production', AUTH_JWT_SECRET: 'a-real-secret-from-the-vault-0123' }).NODE_ENV).toBe('production');
    expect(loadConfig(GatewayConfig, {}).AUTH_JWT_SECRET).toBe(DEVELOPMENT_JWT_SECRET);
  });

  it('reads the order rate limit (default 60 per minute) and refuses nonsense', () => {
    expect(loadConfig(GatewayConfig, {}).RATE_LIMIT_ORDERS_PER_MINUTE).toBe(60);
    expect(loadConfig(GatewayConfig, { RATE_LIMIT_ORDERS_PER_MINUTE: '5' }).RATE_LIMIT_ORDERS_PER_MINUTE).toBe(5);
    for (const value of ['0', '-1', 'many', '1.5'])
      expect(() => loadConfig(GatewayConfig, { RATE_LIMIT_ORDERS_PER_MINUTE: value })).toThrow(/RATE_LIMIT_ORDERS_PER_MINUTE/);
  });

  it('bounds slow HTTP clients by default and refuses a head timeout above the request timeout', () => {
    expect(loadConfig(GatewayConfig, {})).toMatchObject({
      HTTP_HEADERS_TIMEOUT_MS: 10_000,
      HTTP_REQUEST_TIMEOUT_MS: 30_000,
      HTTP_KEEP_ALIVE_TIMEOUT_MS: 72_000,
      HTTP_IDLE_TIMEOUT_MS: 120_000,
    });
    expect(() => loadConfig(GatewayConfig, { HTTP_HEADERS_TIMEOUT_MS: '40000' })).toThrow(/HTTP_HEADERS_TIMEOUT_MS/);
    expect(() => loadConfig(GatewayConfig, { HTTP_REQUEST_TIMEOUT_MS: '0' })).toThrow(/HTTP_REQUEST_TIMEOUT_MS/);
  });

  it('keeps idempotency keys at least 24 hours', () => {
    expect(() => loadConfig(GatewayConfig, { IDEMPOTENCY_RETENTION_HOURS: '23' })).toThrow(/IDEMPOTENCY_RETENTION_HOURS/);
  });

  it('refuses a hard payment timeout below the payment timeout', () => {
    expect(loadConfig(GatewayConfig, {}).ORDER_PAYMENT_HARD_TIMEOUT_MS).toBe(600_000);
    expect(() => loadConfig(GatewayConfig, { ORDER_PAYMENT_TIMEOUT_MS: '700000' })).toThrow(/ORDER_PAYMENT_HARD_TIMEOUT_MS/);
    expect(loadConfig(GatewayConfig, { ORDER_PAYMENT_TIMEOUT_MS: '700000', ORDER_PAYMENT_HARD_TIMEOUT_MS: '700000' }).ORDER_PAYMENT_HARD_TIMEOUT_MS).toBe(
      700_000,
    );
  });
});
