import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ARTIFACTS } from './artifacts';

/**
 * `npm run contracts:update`: regenerates every committed contract artifact from the code
 * (run from the repository root, after a build).
 */
async function main(): Promise<void> {
  for (const artifact of ARTIFACTS) {
    const target = join(process.cwd(), artifact.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, await artifact.render());
    console.log(`contracts: wrote ${artifact.path}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
