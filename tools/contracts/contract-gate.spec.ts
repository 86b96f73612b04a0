import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { AsyncApiDocument } from './asyncapi';
import { BASELINES } from './artifacts';
import { eventBreaks } from './event-changes';
import { OpenApiDocument, openApiBreaks } from './openapi-changes';

const root = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const [events, api] = BASELINES;

/**
 * The breaking-change gate: the current contracts (kept fresh by artifacts.spec.ts) against the
 * last released ones. A failure lists each break; the fix is a new event version beside the old
 * one (events) or an additive change (REST), not a new baseline. A deliberate break is released
 * with `npm run contracts:release` in a reviewed commit.
 */
describe('breaking-change gate', () => {
  it('changes no released event version in a way its producer or consumers would reject', () => {
    const breaks = eventBreaks(parse(read(events.baseline)) as AsyncApiDocument, parse(read(events.current)) as AsyncApiDocument);
    expect(breaks.map((change) => `${change.at}: ${change.change}`)).toEqual([]);
  });

  it('changes no released REST operation in a way that breaks a client', () => {
    const breaks = openApiBreaks(JSON.parse(read(api.baseline)) as OpenApiDocument, JSON.parse(read(api.current)) as OpenApiDocument);
    expect(breaks.map((change) => `${change.at}: ${change.change}`)).toEqual([]);
  });
});
