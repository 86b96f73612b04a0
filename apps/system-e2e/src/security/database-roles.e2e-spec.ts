import { ensureRuntimeRole, roleOf } from '@orders/platform-database';
import { Client } from 'pg';
import { TestSystem } from '../support/system';
import { databaseUrl } from '../support/test-env';

/**
 * Least privilege in PostgreSQL: each service runs as its own login role, created by its
 * migration step, with DML on its own schema only; DDL stays with the migration role.
 */
describe('one database role per service', () => {
  let system: TestSystem;
  const clients: Client[] = [];

  beforeAll(async () => {
    system = await TestSystem.start({ serviceRoles: true });
    await system.createProduct({ sku: 'ROLE-1', priceCents: 700, initialStock: 5 });
  });

  afterAll(async () => {
    for (const client of clients) await client.end().catch(() => undefined);
    await system?.stop();
  });

  async function connectAs(service: 'gateway' | 'inventory' | 'payment'): Promise<Client> {
    const client = new Client({ connectionString: system.roleUrls![service] });
    clients.push(client);
    await client.connect();
    return client;
  }

  it('runs the whole saga on the three roles', async () => {
    const placed = await system.placeOrder('alice', { items: [{ sku: 'ROLE-1', quantity: 2 }], paymentMethod: 'pm_card_ok' }, { prefer: 'wait=20' });
    expect(placed.status).toBe(202);
    await system.waitForStatus(placed.body.id, 'CONFIRMED');
    expect(await system.stock('ROLE-1')).toMatchObject({ available: 3, sold: 2 });

    // The services' connections really are their own roles.
    const { rows } = await system.db.query<{ application_name: string; usename: string }>(
      `SELECT DISTINCT application_name, usename FROM pg_stat_activity WHERE datname = current_database() AND application_name IN ('order-gateway', 'inventory-service', 'payment-service') ORDER BY 1`,
    );
    expect(rows).toEqual([
      { application_name: 'inventory-service', usename: roleOf(system.roleUrls!.inventory).name },
      { application_name: 'order-gateway', usename: roleOf(system.roleUrls!.gateway).name },
      { application_name: 'payment-service', usename: roleOf(system.roleUrls!.payment).name },
    ]);
  });

  it("refuses inventory's role a read of gateway.orders (permission denied)", async () => {
    const inventory = await connectAs('inventory');
    await expect(inventory.query('SELECT id FROM gateway.orders LIMIT 1')).rejects.toMatchObject({
      code: '42501',
      message: expect.stringMatching(/permission denied/),
    });
    await expect(inventory.query('SELECT id FROM payment.payments LIMIT 1')).rejects.toMatchObject({ code: '42501' });
    await expect(inventory.query('SELECT count(*) FROM inventory.stock')).resolves.toBeDefined();
  });

  it('lets a runtime role change rows but not the schema, nor the migration history', async () => {
    const gateway = await connectAs('gateway');
    await expect(gateway.query('CREATE TABLE gateway.sneaky (id int)')).rejects.toMatchObject({ code: '42501' });
    await expect(gateway.query('ALTER TABLE gateway.orders ADD COLUMN sneaky int')).rejects.toMatchObject({ code: '42501' });
    await expect(gateway.query('DROP TABLE gateway.outbox')).rejects.toMatchObject({ code: '42501' });
    await expect(gateway.query('DELETE FROM gateway.migrations')).rejects.toMatchObject({ code: '42501' });
  });

  it('refuses, on the next deploy, a runtime role that was granted another service schema', async () => {
    const admin = new Client({ connectionString: databaseUrl(system.database) });
    clients.push(admin);
    await admin.connect();
    const payment = roleOf(system.roleUrls!.payment);
    await admin.query(`GRANT USAGE ON SCHEMA gateway TO ${admin.escapeIdentifier(payment.name)}`);
    try {
      await expect(ensureRuntimeRole(admin, 'payment', payment)).rejects.toThrow(/may use schema gateway/);
    } finally {
      await admin.query(`REVOKE USAGE ON SCHEMA gateway FROM ${admin.escapeIdentifier(payment.name)}`);
    }
    await expect(ensureRuntimeRole(admin, 'payment', payment)).resolves.toBe('checked');
  });
});
