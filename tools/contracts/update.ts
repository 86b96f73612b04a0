import 'reflect-metadata';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ARTIFACTS, BASELINES } from './artifacts';

/**
 * `npm run contracts:update`: regenerates every committed contract artifact from the code.
 * `npm run contracts:release` (`--release`): also makes the current contracts the baseline
 * that the breaking-change gate compares with, when a version is released.
 * Run from the repository root, after a build.
 */
async function main(release: boolean): Promise<void> {
  const root = process.cwd();
  for (const artifact of ARTIFACTS) {
    const target = join(root, artifact.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, await artifact.render(root));
    console.log(`contracts: wrote ${artifact.path}`);
  }
  if (!release) return;
  for (const { current, baseline } of BASELINES) {
    mkdirSync(dirname(join(root, baseline)), { recursive: true });
    copyFileSync(join(root, current), join(root, baseline));
    console.log(`contracts: released ${current} as ${baseline}`);
  }
}

main(process.argv.includes('--release')).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
