import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');
const e2e = join(root, 'apps/system-e2e');
const scenarios = require(join(e2e, 'scenarios.js')) as Record<string, { involves: string[]; specs: string[] | string }>;
const readJson = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8'));

/** The per-service Nx workflow (`nx affected -t test`) stays in step with what it describes. */
describe('Nx workspace', () => {
  it.each(Object.entries(scenarios))('runs e2e scenario group %s as an Nx project depending on the services it involves', (group, { involves }) => {
    const project = readJson(`apps/system-e2e/scenarios/${group}/project.json`);
    expect(project.name).toBe(`system-e2e-${group}`);
    expect([...project.implicitDependencies].sort()).toEqual(['system-e2e', ...involves].sort());
    expect(project.targets.test.options.env).toEqual({ E2E_SCENARIOS: group });
  });

  it('lists only existing specs, each in one group', () => {
    const listed = Object.values(scenarios).flatMap(({ specs }) => (Array.isArray(specs) ? specs : []));
    expect(listed.filter((spec) => !existsSync(join(e2e, spec)))).toEqual([]);
    expect(new Set(listed).size).toBe(listed.length);
  });

  it('keeps the e2e support code from depending on every service, so groups decide', () => {
    expect(readJson('apps/system-e2e/project.json').implicitDependencies).toEqual(['!order-gateway', '!inventory-service', '!payment-service']);
    expect(readJson('apps/system-e2e/project.json').targets.test).toBeUndefined();
  });

  it.each([
    ['apps/payment-service/src/main.ts', ['payment-service', 'system-e2e-saga', 'tools']],
    ['migrations/inventory-service/new-migration.ts', ['inventory-service', 'system-e2e-gateway-api', 'system-e2e-saga', 'tools']],
  ])('knows, offline, what a change to %s affects: the service, its scenarios, the tools', (file, expected) => {
    const nx = join(root, 'node_modules/nx/dist/bin/nx.js');
    const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };
    const affected = execFileSync(process.execPath, [nx, 'show', 'projects', '--affected', `--files=${file}`, '--json'], { cwd: root, env, encoding: 'utf8' });
    expect((JSON.parse(affected) as string[]).sort()).toEqual(expected);
  });

  it.each(['order-gateway', 'inventory-service', 'payment-service'])('builds %s alone into dist/<service>, the layout its image runs', (service) => {
    const build = readJson(`apps/${service}/project.json`).targets.build;
    expect(build.outputs).toEqual([`{workspaceRoot}/dist/${service}`]);
    expect(build.options.command).toContain(`tsc -p apps/${service}/tsconfig.app.json`);
    expect(build.inputs).toContain(`{workspaceRoot}/migrations/${service}/**/*`);
  });
});
