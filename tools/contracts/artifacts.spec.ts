import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Parser } from '@asyncapi/parser';
import { ARTIFACTS, asyncApiYaml } from './artifacts';

const root = join(__dirname, '..', '..');

describe('generated contract artifacts', () => {
  it.each(ARTIFACTS.map((artifact) => [artifact.path, artifact] as const))('%s is up to date (else: npm run contracts:update)', async (path, artifact) => {
    const committed = readFileSync(join(root, path), 'utf8');
    const fresh = await artifact.render(root);
    // One boolean, not a 1,500-line diff: the fix is always the same command.
    expect({ path, upToDate: committed === fresh }).toEqual({ path, upToDate: true });
  });

  it('is a valid AsyncAPI 3.0 document for the official parser', async () => {
    const { document, diagnostics } = await new Parser().parse(asyncApiYaml());
    const problems = diagnostics.filter((diagnostic) => (diagnostic.severity as number) <= 1 && diagnostic.code !== 'asyncapi-latest-version');
    expect(problems.map((problem) => `${problem.code}: ${problem.message} at ${problem.path.join('.')}`)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    const channels = document!
      .channels()
      .all()
      .map((channel) => channel.address());
    expect(channels).toEqual(expect.arrayContaining(['orders.events', 'inventory.events', 'payments.events', 'catalog.events', 'orders.events.dlq']));
    const created = document!
      .messages()
      .all()
      .find((message) => message.id() === 'OrderCreatedV1')!;
    expect(created.payload()?.properties()?.payload.required()).toEqual(['userId', 'items', 'totalCents', 'currency']);
    const gateway = document!.operations().filterBy((operation) => operation.id()?.startsWith('order-gateway.receives.') ?? false);
    expect(gateway.map((operation) => operation.channels().all()[0].address()).sort()).toEqual(['catalog.events', 'inventory.events', 'payments.events']);
  });
});
