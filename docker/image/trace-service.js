// Build-time helper of docker/Dockerfile: copies into <out> exactly the files one service's
// image needs at run time — its entry points (the service, its migration job, create-topics)
// and every file they load from dist/ and node_modules/, traced with @vercel/nft — so a
// service's image holds only its own code and production dependencies.
//   node docker/image/trace-service.js <service>|all <out>
// `all`: the three services and every tool (migrate, create-topics, dead-letters, ...).
const { nodeFileTrace } = require('@vercel/nft');
const { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } = require('node:fs');
const { dirname, join, relative } = require('node:path');

/**
 * Files beside the code that tsc does not emit (the stock engine's .lua scripts), read at run
 * time by a computed path the tracer cannot follow: copied into dist/ beside their modules.
 */
const SERVICES = ['order-gateway', 'inventory-service', 'payment-service'];

function entryPoints(service) {
  if (service !== 'all') return [`dist/apps/${service}/src/main.js`, `dist/apps/${service}/src/migrate.js`, 'dist/tools/create-topics.js'];
  const tools = readdirSync('dist/tools').filter((name) => name.endsWith('.js') && !name.endsWith('.spec.js'));
  return [...SERVICES.flatMap((name) => entryPoints(name).slice(0, 2)), ...tools.map((name) => `dist/tools/${name}`)];
}

/** The src/ folder of every library: libs/<name>/src, and libs/platform/<concern>/src one level down. */
function libSources(dir = 'libs') {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => (existsSync(join(dir, entry.name, 'src')) ? [join(dir, entry.name, 'src')] : libSources(join(dir, entry.name))));
}

function sourceAssets(service) {
  const roots = [...(service === 'all' ? SERVICES : [service]).map((name) => join('apps', name, 'src')), ...libSources()];
  return roots.flatMap((root) =>
    readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && !entry.name.endsWith('.ts'))
      .map((entry) => relative('.', join(entry.parentPath, entry.name))),
  );
}

async function main() {
  const [service, out] = process.argv.slice(2);
  if (!service || !out) throw new Error('usage: trace-service.js <service> <out>');
  const entries = entryPoints(service);
  const { fileList, warnings } = await nodeFileTrace(entries, { base: process.cwd() });
  // Optional peers that Nest and TypeORM probe with try/require are absent on purpose.
  for (const warning of warnings) if (!/Cannot find module/.test(String(warning.message))) console.warn(`trace: ${warning.message}`);
  const copies = [...fileList, 'package.json'].map((file) => [file, file]);
  for (const asset of sourceAssets(service)) copies.push([asset, join('dist', asset)]);
  const files = copies.map(([, to]) => to).sort();
  for (const [from, to] of copies) {
    mkdirSync(join(out, dirname(to)), { recursive: true });
    cpSync(from, join(out, to), { dereference: true });
  }
  writeFileSync(join(out, '.image-files'), `${files.join('\n')}\n`);
  console.log(`trace: ${service}: ${files.length} files`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
