import { ESLint } from 'eslint';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..');

/**
 * The layering is enforced by the lint rule, not by a reader: eslint.config.js's
 * @nx/enforce-module-boundaries, run here through ESLint's Node API on a file that exists only
 * in the test (its path decides the project it belongs to).
 */
describe('module boundaries', () => {
  const eslint = new ESLint({
    cwd: root,
    ruleFilter: ({ ruleId }) => ruleId === '@nx/enforce-module-boundaries',
    // The probe is not on disk: no type information for it.
    overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
  });

  beforeAll(() => {
    // The rule reads the cached project graph and skips itself without one (a fresh clone).
    const nx = join(root, 'node_modules/nx/dist/bin/nx.js');
    execFileSync(process.execPath, [nx, 'show', 'projects'], { cwd: root, env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' } });
  });

  async function boundaryErrors(filePath: string, source: string): Promise<string[]> {
    const [result] = await eslint.lintText(source, { filePath: join(root, filePath) });
    expect(result.messages.filter((message) => message.fatal)).toEqual([]);
    return result.messages.filter((message) => message.ruleId === '@nx/enforce-module-boundaries').map((message) => message.message);
  }

  it('refuses an import of one service from another', async () => {
    const errors = await boundaryErrors(
      'apps/order-gateway/src/boundary-probe.ts',
      "import { createInventoryApp } from '@orders/inventory-service';\n\nexport const probe = createInventoryApp;\n",
    );
    expect(errors).toHaveLength(1);
  });

  it('lets the e2e project and the tools run a service from the outside', async () => {
    const source = "import { createInventoryApp } from '@orders/inventory-service';\n\nexport const probe = createInventoryApp;\n";
    expect(await boundaryErrors('apps/system-e2e/src/boundary-probe.ts', source)).toEqual([]);
    expect(await boundaryErrors('tools/boundary-probe.ts', source)).toEqual([]);
  });

  it('refuses an import of a higher platform layer from a lower one', async () => {
    // config (base) -> http (infra): http does not import config, so this is no cycle, only the wrong way.
    const errors = await boundaryErrors(
      'libs/platform/config/src/boundary-probe.ts',
      "import { Problems } from '@orders/platform-http';\n\nexport const probe = Problems;\n",
    );
    expect(errors).toEqual([expect.stringContaining('A project tagged with "layer:base" can only depend on libs tagged with "layer:contract", "layer:base"')]);
  });

  it('accepts imports down the layers', async () => {
    const errors = await boundaryErrors(
      'libs/platform/service/src/boundary-probe.ts',
      "import { ServiceConfig } from '@orders/platform-config';\nimport { createKafka } from '@orders/platform-messaging';\n\nexport const probe = [ServiceConfig, createKafka];\n",
    );
    expect(errors).toEqual([]);
  });
});
