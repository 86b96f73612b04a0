import { readFileSync } from 'node:fs';
import path from 'node:path';

// One Node for development, tests, CI, benchmarks and images: the version package.json pins
// (devDependency `node`, installed from the npm registry), supported on the day the tests run.
const ROOT = path.resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};
const releases = JSON.parse(readFileSync(path.join(ROOT, 'deploy/node-releases.json'), 'utf8')) as { endOfLife: Record<string, string> };
const pinned = pkg.devDependencies.node;
const pinnedMajor = pinned.split('.')[0];

describe('the pinned Node runtime', () => {
  it('is an exact version', () => {
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('is still supported today (end-of-life dates from deploy/node-releases.json)', () => {
    const endOfLife = releases.endOfLife[pinnedMajor];
    expect(endOfLife).toBeDefined();
    const today = new Date().toISOString().slice(0, 10);
    // Fails on the day the pinned major reaches end of life: time to move to the next LTS.
    expect({ pinned, today, supportedUntil: endOfLife, supported: today < endOfLife }).toEqual(expect.objectContaining({ supported: true }));
  });

  it('is the Node running these tests', () => {
    expect(process.version).toBe(`v${pinned}`);
  });

  it('is what engines asks for and what the images are built on', () => {
    expect(pkg.engines.node).toBe(`>=${pinnedMajor}`);
    const dockerfile = readFileSync(path.join(ROOT, 'docker/Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`ARG NODE_IMAGE=node:${pinned}-`);
  });
});
