import { createInventoryApp, InventoryConfig, migrateInventory } from '@orders/inventory-service';
import { deleteTopics, sagaTopics } from '@orders/platform-messaging';
import { HttpApp } from '@orders/platform-service';
import { loadConfig } from '@orders/platform-config';
import { rm } from 'node:fs/promises';
import { Client } from 'pg';
import request from 'supertest';
import { createTestTopics } from '../support/isolated-resources';
import { PrivatePostgres } from '../support/private-postgres-tls';
import { CertificateFiles, makeTestCertificates } from '../support/test-certificates';
import { TEST_ENV, uniqueSuffix } from '../support/test-env';

/**
 * TLS to PostgreSQL: a private cluster that accepts TLS connections only (ssl = on, the
 * test's own CA); the migration tool and a service connect with sslmode=verify-full.
 */
describe('PostgreSQL over TLS (sslmode=verify-full)', () => {
  let certificates: CertificateFiles;
  let postgres: PrivatePostgres;
  let inventory: HttpApp | undefined;
  const prefix = `t${uniqueSuffix()}.`;

  const verifyFull = (ca: string) => `sslmode=verify-full&sslrootcert=${encodeURIComponent(ca)}`;

  beforeAll(async () => {
    certificates = await makeTestCertificates();
    postgres = await PrivatePostgres.startWithTls(certificates);
  });

  afterAll(async () => {
    await inventory?.close();
    await deleteTopics(
      TEST_ENV.kafkaBrokers.split(','),
      sagaTopics(prefix).map((spec) => spec.topic),
    ).catch(() => undefined);
    await postgres?.destroy();
    if (certificates) await rm(certificates.dir, { recursive: true, force: true });
  });

  async function connect(url: string): Promise<Client> {
    const client = new Client({ connectionString: url });
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
  }

  it('migrates and serves inventory over a verified TLS connection', async () => {
    const env = { DATABASE_URL: postgres.url('orders', verifyFull(certificates.caCert)), LOG_LEVEL: TEST_ENV.logLevel, NODE_ENV: 'test', PORT: '0' };
    const migrated = await migrateInventory(loadConfig(InventoryConfig, env));
    expect(migrated.applied.length).toBeGreaterThan(0);

    await createTestTopics(TEST_ENV.kafkaBrokers.split(','), prefix);
    inventory = await createInventoryApp(
      loadConfig(InventoryConfig, { ...env, KAFKA_BROKERS: TEST_ENV.kafkaBrokers, KAFKA_TOPIC_PREFIX: prefix, REDIS_KEY_PREFIX: prefix }),
    );
    await inventory.listen(0, '127.0.0.1');
    const ready = await request(await inventory.getUrl()).get('/ready');
    expect(ready.body.checks).toMatchObject({ postgres: 'up' });

    const admin = await connect(postgres.url('orders', verifyFull(certificates.caCert)));
    try {
      const { rows } = await admin.query<{ ssl: boolean }>(
        `SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'inventory-service'`,
      );
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((row) => row.ssl)).toBe(true);
    } finally {
      await admin.end();
    }
  });

  it('refuses a server whose certificate is not signed by the configured CA', async () => {
    await expect(connect(postgres.url('postgres', verifyFull(certificates.otherCaCert)))).rejects.toThrow(/certificate/i);
  });

  it('refuses a server whose certificate does not name the host connected to', async () => {
    // The certificate names localhost only; 127.0.0.1 is the same server under another name.
    await expect(connect(postgres.url('postgres', verifyFull(certificates.caCert), '127.0.0.1'))).rejects.toThrow(/altnames|does not match/i);
  });

  it('is a TLS-only server: a plaintext connection is refused', async () => {
    await expect(connect(postgres.url('postgres', 'sslmode=disable'))).rejects.toThrow(/no encryption|pg_hba/);
  });
});
