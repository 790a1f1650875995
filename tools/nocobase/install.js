#!/usr/bin/env node
/**
 * Installs a pinned NocoBase server and the plugins a real install has into a cache directory outside the
 * project's node_modules, from the npm registry alone (xlsx pinned to the registry's 0.18.5 through
 * overrides: its default tarball lives off the registry). Idempotent: an up-to-date cache is left alone.
 *   node tools/nocobase/install.js [--version 2.2.15] [--dir .cache/nocobase-<version>]   → prints the dir
 */
const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const PLUGINS = require('./plugins');

const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const version = option('version', process.env.NOCOBASE_VERSION || '2.2.15');
const dir = resolve(option('dir', join(__dirname, '..', '..', '.cache', `nocobase-${version}`)));

const manifest = {
  name: 'wecom-bridge-nocobase-compat',
  private: true,
  dependencies: Object.fromEntries([['@nocobase/server', version], ...PLUGINS.map((p) => [`@nocobase/plugin-${p}`, version]), ['execa', '^5.1.1']]),
  overrides: { xlsx: '0.18.5' },
};
mkdirSync(dir, { recursive: true });
const manifestFile = join(dir, 'package.json');
const wanted = JSON.stringify(manifest, null, 2);
const installed = join(dir, 'node_modules', '@nocobase', 'server', 'package.json');
const upToDate = existsSync(manifestFile) && readFileSync(manifestFile, 'utf8') === wanted && existsSync(installed) && JSON.parse(readFileSync(installed, 'utf8')).version === version;
if (!upToDate) {
  writeFileSync(manifestFile, wanted);
  console.error(`installing NocoBase ${version} into ${dir} (npm registry only)…`);
  execFileSync('npm', ['install', '--legacy-peer-deps', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
}
console.log(dir);
