import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { gatewayOpenApiDocument } from '@orders/order-gateway';
import { stringify } from 'yaml';
import { buildAsyncApiDocument } from './asyncapi';
import { renderEventsPage } from './events-page';

/** A committed file generated from the code; a test fails when it differs from a fresh render. */
export interface GeneratedArtifact {
  /** Relative to the repository root. */
  readonly path: string;
  render(root: string): string | Promise<string>;
}

export const asyncApiYaml = (): string => stringify(buildAsyncApiDocument(), { lineWidth: 0, aliasDuplicateObjects: false });

export const ARTIFACTS: readonly GeneratedArtifact[] = [
  { path: 'libs/events/asyncapi.yaml', render: () => asyncApiYaml() },
  { path: 'docs/events.md', render: () => renderEventsPage(buildAsyncApiDocument()) },
  { path: 'apps/order-gateway/openapi.json', render: async () => `${JSON.stringify(await gatewayOpenApiDocument(), null, 2)}\n` },
  // From the committed document above (written first, and itself checked for staleness).
  { path: 'libs/gateway-client/src/openapi.ts', render: (root) => clientTypes(root, 'apps/order-gateway/openapi.json') },
];

/**
 * The typed client's types, by openapi-typescript's own CLI in a child process: the generator is
 * ESM (which Jest cannot load), and one way of running it keeps the test and the update identical.
 */
function clientTypes(root: string, document: string): string {
  return execFileSync(process.execPath, [join(dirname(require.resolve('openapi-typescript/package.json')), 'bin', 'cli.js'), document], {
    cwd: root,
    encoding: 'utf8',
  });
}

/**
 * The last released contracts, which the breaking-change gate compares the current ones with
 * (`contract-gate.spec.ts`); `npm run contracts:release` copies the current ones there.
 */
export const BASELINES = [
  { current: 'libs/events/asyncapi.yaml', baseline: 'libs/events/contract-baseline/asyncapi.yaml' },
  { current: 'apps/order-gateway/openapi.json', baseline: 'apps/order-gateway/contract-baseline/openapi.json' },
] as const;
