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
];
