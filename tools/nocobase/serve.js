#!/usr/bin/env node
/**
 * Runs a NocoBase installed from the npm registry (see install.js) against a PostgreSQL database:
 *   node tools/nocobase/serve.js <install|start> --dir <cache> --database-url <url> [--underscored] [--port <p>] [--app-key <k>]
 * `install` runs NocoBase's `install -f` (a fresh schema, root user admin@nocobase.com / admin123) and exits;
 * `start` serves its HTTP API (`/api/…`) until killed. Plain JavaScript: NocoBase is required from <cache>.
 */
const { createRequire } = require('node:module');
const { join, resolve } = require('node:path');
const { mkdirSync } = require('node:fs');

const PLUGINS = require('./plugins');

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

const command = process.argv[2];
const dir = option('dir') && resolve(option('dir'));
const databaseUrl = option('database-url');
if (!['install', 'start'].includes(command) || !dir || !databaseUrl) {
  console.error('usage: serve.js <install|start> --dir <cache> --database-url <url> [--underscored] [--port <p>] [--app-key <k>]');
  process.exit(2);
}
const underscored = process.argv.includes('--underscored');
const storage = join(dir, 'storage', new URL(databaseUrl).pathname.slice(1));
mkdirSync(storage, { recursive: true });
Object.assign(process.env, {
  NODE_MODULES_PATH: join(dir, 'node_modules'),
  APP_KEY: option('app-key', 'wecom-bridge-compat-app-key-0123456789'),
  STORAGE_PATH: storage,
  API_BASE_PATH: '/api/',
  APP_PUBLIC_PATH: '/',
  LOGGER_LEVEL: process.env.LOGGER_LEVEL || 'error',
  DB_UNDERSCORED: String(underscored),
});

const requireFromCache = createRequire(join(dir, 'package.json'));
const { Gateway } = requireFromCache('@nocobase/server');
const url = new URL(databaseUrl);
const mainAppOptions = {
  database: {
    dialect: 'postgres',
    host: url.hostname,
    port: Number(url.port || 5432),
    username: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: url.pathname.slice(1),
    underscored,
    logging: false,
  },
  resourcer: { prefix: '/api' },
  plugins: PLUGINS,
};
process.argv = [process.argv[0], __filename, command, ...(command === 'install' ? ['-f'] : ['--port', option('port', '13000'), '--host', '127.0.0.1'])];
Gateway.getInstance()
  .run({ mainAppOptions })
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
