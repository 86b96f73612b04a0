import { gatewayOpenApiDocument } from '@orders/order-gateway';
import { stringify } from 'yaml';
import { buildAsyncApiDocument } from './asyncapi';
import { renderEventsPage } from './events-page';

/** A committed file generated from the code; a test fails when it differs from a fresh render. */
export interface GeneratedArtifact {
  /** Relative to the repository root. */
  readonly path: string;
  render(): Promise<string>;
}

export const asyncApiYaml = (): string => stringify(buildAsyncApiDocument(), { lineWidth: 0, aliasDuplicateObjects: false });

export const ARTIFACTS: readonly GeneratedArtifact[] = [
  { path: 'libs/events/asyncapi.yaml', render: async () => asyncApiYaml() },
  { path: 'docs/events.md', render: async () => renderEventsPage(buildAsyncApiDocument()) },
  { path: 'apps/order-gateway/openapi.json', render: async () => `${JSON.stringify(await gatewayOpenApiDocument(), null, 2)}\n` },
];

/**
 * The last released contracts, which the breaking-change gate compares the current ones with
 * (`contract-gate.spec.ts`); `npm run contracts:release` copies the current ones there.
 */
export const BASELINES = [
  { current: 'libs/events/asyncapi.yaml', baseline: 'libs/events/contract-baseline/asyncapi.yaml' },
  { current: 'apps/order-gateway/openapi.json', baseline: 'apps/order-gateway/contract-baseline/openapi.json' },
] as const;
