#!/usr/bin/env node
/**
 * Builds the plugin without NocoBase's toolchain (not installable from the registry here):
 *   dist/server/index.js     CommonJS; @nocobase/* resolve from NocoBase's node_modules at run time
 *   dist/client/index.js     define("<package>", [deps], factory)            — the classic client loads it by name
 *   dist/client-v2/index.js  define("<package>/client-v2", [deps], factory)  — client-v2 does
 * Browser deps are the modules NocoBase shares with plugins (react, antd, @nocobase/client, …): left external and
 * handed to the factory by requirejs.
 *   node nocobase-plugin/build.mjs
 */
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));

/** What the host provides; anything else imported by the client code is a build error, not a silent bundle. */
const SHARED_WITH_PLUGINS = ['react', 'react-dom', 'antd', 'react-router-dom', 'react-i18next', '@formily/react', '@nocobase/client', '@nocobase/client-v2'];

await rm(join(root, 'dist'), { recursive: true, force: true });

await build({
  entryPoints: [join(root, 'src/server/index.ts')],
  outfile: join(root, 'dist/server/index.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['@nocobase/*'],
  logLevel: 'warning',
});

for (const [entry, moduleId] of [
  ['src/client/index.tsx', pkg.name],
  ['src/client-v2/index.tsx', `${pkg.name}/client-v2`],
]) {
  const out = join(root, entry.startsWith('src/client-v2') ? 'dist/client-v2/index.js' : 'dist/client/index.js');
  const result = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'cjs',
    target: 'es2020',
    jsx: 'transform',
    external: SHARED_WITH_PLUGINS,
    metafile: true,
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const deps = [...new Set(Object.values(result.metafile.inputs).flatMap((i) => i.imports.filter((x) => x.external).map((x) => x.path)))].sort();
  const unknown = deps.filter((d) => !SHARED_WITH_PLUGINS.includes(d));
  if (unknown.length) throw new Error(`${entry} imports modules NocoBase does not share: ${unknown.join(', ')}`);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, amd(moduleId, deps, result.outputFiles[0].text));
  console.error(`built ${out.slice(root.length + 1)} as define(${JSON.stringify(moduleId)}, ${JSON.stringify(deps)})`);
}

/** A CommonJS bundle inside a named AMD module: its `require(id)` answers from the modules requirejs injected. */
function amd(moduleId, deps, cjs) {
  return `define(${JSON.stringify(moduleId)}, ${JSON.stringify(deps)}, function () {
var __host = {}, __ids = ${JSON.stringify(deps)};
for (var i = 0; i < __ids.length; i++) __host[__ids[i]] = arguments[i];
var module = { exports: {} }, exports = module.exports;
var require = function (id) {
  if (Object.prototype.hasOwnProperty.call(__host, id)) return __host[id];
  throw new Error(${JSON.stringify(moduleId)} + ": NocoBase does not provide " + id);
};
${cjs}
return module.exports;
});
`;
}

// --pack <dir>: also write the .tgz `pm add` takes; its absolute path is the last line printed.
const packAt = process.argv.indexOf('--pack');
if (packAt > 0) {
  const { execFileSync } = await import('node:child_process');
  const { resolve } = await import('node:path');
  const dest = resolve(process.argv[packAt + 1] ?? join(root, '..', '.cache', 'plugin'));
  await mkdir(dest, { recursive: true });
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', dest], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }),
  );
  console.log(join(dest, packed.filename));
}
