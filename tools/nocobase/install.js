#!/usr/bin/env node
/**
 * Installs a pinned, whole NocoBase (`@nocobase/app`: server, every preset plugin and the built UI) into a cache
 * directory outside the project's node_modules, from the npm registry alone. `xlsx` is pinned to the registry's
 * 0.18.5 through overrides (its default tarball lives off the registry) and peers are not enforced
 * (`@nocobase/client-v2` is not on the registry). Idempotent: an up-to-date cache is left alone.
 * The compatibility suite (serve.js, API only) and the browser suite (app.js, with the UI) share this install.
 *   node tools/nocobase/install.js [--version 2.2.15] [--dir .cache/nocobase-<version>]   → prints the dir
 */
const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const version = option('version', process.env.NOCOBASE_VERSION || '2.2.15');
const dir = resolve(option('dir', join(__dirname, '..', '..', '.cache', `nocobase-${version}`)));

const manifest = {
  name: 'wecom-bridge-nocobase',
  private: true,
  // execa: required by @nocobase/server at run time without being among its dependencies.
  dependencies: { '@nocobase/app': version, execa: '^5.1.1' },
  overrides: { xlsx: '0.18.5' },
};
mkdirSync(dir, { recursive: true });
const manifestFile = join(dir, 'package.json');
const wanted = JSON.stringify(manifest, null, 2);
const installed = (pkg) => {
  const file = join(dir, 'node_modules', ...pkg.split('/'), 'package.json');
  return existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).version === version;
};
const upToDate = existsSync(manifestFile) && readFileSync(manifestFile, 'utf8') === wanted && installed('@nocobase/app') && installed('@nocobase/server');
if (!upToDate) {
  writeFileSync(manifestFile, wanted);
  console.error(`installing NocoBase ${version} (@nocobase/app, with its UI) into ${dir} from the npm registry…`);
  const started = Date.now();
  execFileSync('npm', ['install', '--legacy-peer-deps', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  console.error(`installed in ${Math.round((Date.now() - started) / 1000)} s`);
}
console.log(dir);
