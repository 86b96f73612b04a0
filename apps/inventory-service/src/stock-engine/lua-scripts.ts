import { existsSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';

const SCRIPT_NAMES = ['reserve', 'settle', 'adjust', 'load-sku', 'heal', 'snapshot', 'rewarm', 'open-holds'] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

/**
 * Where the .lua files are: next to this module when run from source (ts-jest), or in
 * the source tree when run from `dist/` (tsc does not copy .lua files; the build output
 * mirrors the repo layout, so the source folder is found by dropping the `dist` segment).
 */
function luaDirectory(moduleDir = __dirname): string {
  const beside = join(moduleDir, 'lua');
  if (existsSync(beside)) return beside;
  const marker = `${sep}dist${sep}`;
  const at = moduleDir.lastIndexOf(marker);
  if (at >= 0) {
    const source = join(moduleDir.slice(0, at), moduleDir.slice(at + marker.length), 'lua');
    if (existsSync(source)) return source;
  }
  throw new Error(`stock-engine Lua scripts not found beside ${moduleDir}`);
}

/** Script sources, read once per process. */
let cache: Record<ScriptName, string> | null = null;

export function luaScripts(): Record<ScriptName, string> {
  if (!cache) {
    const dir = luaDirectory();
    cache = Object.fromEntries(SCRIPT_NAMES.map((name) => [name, readFileSync(join(dir, `${name}.lua`), 'utf8')])) as Record<ScriptName, string>;
  }
  return cache;
}
