import { ConfigError, DEVELOPMENT_JWT_SECRET, loadConfig } from '@orders/platform-config';
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

describe('gateway config: identity provider (JWKS)', () => {
  const idp = { AUTH_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json', AUTH_JWT_ISSUER: 'https://idp.example.com/', AUTH_JWT_AUDIENCE: 'orders' };

  it('needs issuer and audience with a JWKS URL', () => {
    expect(() => loadConfig(GatewayConfig, { AUTH_JWKS_URL: idp.AUTH_JWKS_URL })).toThrow(/AUTH_JWT_ISSUER[\s\S]*AUTH_JWT_AUDIENCE/);
  });

  it('in production accepts only provider tokens: no HS256 secret needed, and https only', () => {
    const config = loadConfig(GatewayConfig, { NODE_ENV: 'production', ...idp });
    expect(config.acceptsHs256Tokens).toBe(false);
    expect(() => loadConfig(GatewayConfig, { NODE_ENV: 'production', ...idp, AUTH_JWKS_URL: 'http://idp.internal/jwks' })).toThrow(/AUTH_JWKS_URL/);
  });

  it('keeps HS256 development tokens beside the provider outside production', () => {
    expect(loadConfig(GatewayConfig, idp).acceptsHs256Tokens).toBe(true);
  });
});

describe('gateway config: retention', () => {
  it('keeps the inbox longer than Kafka keeps the topics (14 days vs 7 by default)', () => {
    const config = loadConfig(GatewayConfig, {});
    expect([config.INBOX_RETENTION_HOURS, config.KAFKA_TOPIC_RETENTION_HOURS]).toEqual([336, 168]);
    expect(() => loadConfig(GatewayConfig, { INBOX_RETENTION_HOURS: '168' })).toThrow(/INBOX_RETENTION_HOURS/);
    expect(() => loadConfig(GatewayConfig, { KAFKA_TOPIC_RETENTION_HOURS: '720' })).toThrow(/INBOX_RETENTION_HOURS/);
  });
});

describe('gateway config: Kafka and Redis security', () => {
  it('builds TLS and SASL settings from configuration, and none for PLAINTEXT', () => {
    expect(loadConfig(GatewayConfig, {}).kafkaSecurity).toBeUndefined();
    const security = loadConfig(GatewayConfig, {
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
      KAFKA_SASL_USERNAME: 'app',
      KAFKA_SASL_PASSWORD: 'secret',
    }).kafkaSecurity;
    expect(security).toEqual({
      ssl: expect.objectContaining({ rejectUnauthorized: true }),
      sasl: { mechanism: 'scram-sha-256', username: 'app', password: 'secret' },
    });
  });

  it('needs SASL credentials for SASL_* and refuses PLAIN in clear in production', () => {
    expect(() => loadConfig(GatewayConfig, { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' })).toThrow(/KAFKA_SASL_USERNAME[\s\S]*KAFKA_SASL_PASSWORD/);
    const plainInClear = { KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'a', KAFKA_SASL_PASSWORD: 'b' };
    expect(() => loadConfig(GatewayConfig, { ...plainInClear, NODE_ENV: 'production', AUTH_JWT_SECRET: 'a-real-secret-from-the-vault-0123' })).toThrow(/PLAIN/);
  });

  it('names a missing certificate file, never its content', () => {
    const load = () => loadConfig(GatewayConfig, { KAFKA_TLS_CA_FILE: '/nonexistent/ca.crt', REDIS_TLS_CERT_FILE: '/nonexistent/c.crt' });
    expect(load).toThrow(/KAFKA_TLS_CA_FILE: file not found/);
    expect(load).toThrow(/REDIS_TLS_CERT_FILE: file not found/);
    expect(load).toThrow(/REDIS_TLS_CERT_FILE, REDIS_TLS_KEY_FILE: give both or neither/);
  });
});
