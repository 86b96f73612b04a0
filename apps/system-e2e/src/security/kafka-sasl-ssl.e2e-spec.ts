import { createKafka } from '@orders/platform-messaging';
import { loadConfig, ServiceConfig } from '@orders/platform-config';
import { Kafka, logLevel } from 'kafkajs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../support/isolated-resources';
import { SaslSslKafka, startSaslSslKafka } from '../support/sasl-ssl-kafka';
import { ServiceProcess, TEST_LOG_DIR } from '../support/service-process';
import { TestSystem } from '../support/system';
import { CertificateFiles, makeTestCertificates } from '../support/test-certificates';
import { databaseUrl } from '../support/test-env';

/**
 * Kafka with TLS and SASL: a private broker whose only client listener is SASL_SSL; the
 * services reach it with the CA and SCRAM credentials from their configuration.
 */
describe('Kafka over SASL_SSL', () => {
  let certificates: CertificateFiles;
  let kafka: SaslSslKafka;
  let system: TestSystem;
  let wrongPassword: ServiceProcess | undefined;

  const securityEnv = (overrides: Record<string, string> = {}) => ({
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    KAFKA_TLS_CA_FILE: certificates.caCert,
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: kafka.username,
    KAFKA_SASL_PASSWORD: kafka.password,
    ...overrides,
  });
  const securityOf = (env: Record<string, string>) => loadConfig(ServiceConfig, env).kafkaSecurity;

  beforeAll(async () => {
    certificates = await makeTestCertificates();
    kafka = await startSaslSslKafka(certificates);
    system = await TestSystem.start({ brokers: kafka.bootstrap, kafkaSecurity: securityOf(securityEnv()), env: securityEnv() });
    await system.createProduct({ sku: 'SASL-1', priceCents: 300, initialStock: 5 });
  });

  afterAll(async () => {
    await wrongPassword?.kill('SIGTERM');
    await system?.stop();
    await kafka?.broker.destroy();
    if (certificates) await rm(certificates.dir, { recursive: true, force: true });
  });

  it('completes the saga through the SASL_SSL listener (SCRAM-SHA-512, CA-verified TLS)', async () => {
    const placed = await system.placeOrder('sasha', { items: [{ sku: 'SASL-1', quantity: 2 }], paymentMethod: 'pm_card_ok' }, { prefer: 'wait=25' });
    expect(placed.body.status).toBe('CONFIRMED');
    await system.recorder.waitFor(() => system.recorder.typesOf(placed.body.id).includes('OrderConfirmed'));
  });

  it.each(['SCRAM-SHA-256', 'PLAIN'])('connects with SASL %s from configuration', async (mechanism) => {
    const admin = createKafka('mechanism-probe', [kafka.bootstrap], securityOf(securityEnv({ KAFKA_SASL_MECHANISM: mechanism }))).admin({
      retry: { retries: 0 },
    });
    await admin.connect();
    try {
      expect((await admin.describeCluster()).brokers).toHaveLength(1);
    } finally {
      await admin.disconnect();
    }
  });

  it.each(['without TLS and SASL', 'trusting another CA'])('refuses a client %s', async (how) => {
    const security = how === 'trusting another CA' ? securityOf(securityEnv({ KAFKA_TLS_CA_FILE: certificates.otherCaCert })) : undefined;
    // One attempt (the services' clients retry a refused connection for a while).
    const admin = new Kafka({ clientId: 'refused-probe', brokers: [kafka.bootstrap], ...security, retry: { retries: 0 }, logLevel: logLevel.NOTHING }).admin();
    await expect(admin.connect().then(() => admin.describeCluster())).rejects.toThrow();
    await admin.disconnect().catch(() => undefined);
  });

  it('with a wrong password: the service stays up, not ready, and says why in one line (no stack trace, no secret)', async () => {
    const port = await freePort();
    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: databaseUrl(system.database),
      KAFKA_BROKERS: kafka.bootstrap,
      KAFKA_TOPIC_PREFIX: system.prefix,
      ...securityEnv({ KAFKA_SASL_PASSWORD: 'not-the-password' }),
    };
    wrongPassword = new ServiceProcess('payment-service', port, env, join(TEST_LOG_DIR, `${system.prefix}payment-wrong-password.log`));
    await wrongPassword.start(true);

    let ready: Response | undefined;
    for (let attempt = 0; attempt < 100; attempt++) {
      ready = await fetch(`${wrongPassword.url}/ready`);
      const body = (await ready.json()) as { checks?: Record<string, string> };
      if (body.checks?.kafka === 'down' && /credentials/.test(wrongPassword.readLog())) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(ready?.status).toBe(503);
    expect((await fetch(`${wrongPassword.url}/health`)).status).toBe(200);
    const log = wrongPassword.readLog();
    expect(log).toMatch(/Kafka refused the credentials of this service/);
    expect(log).toMatch(/authentication failed/i);
    expect(log).not.toMatch(/\n\s+at /);
    expect(log).not.toMatch(/\\n\s+at /);
    expect(log).not.toContain('not-the-password');
    expect(log).not.toContain(kafka.password);
  });
});
