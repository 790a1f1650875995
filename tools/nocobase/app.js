#!/usr/bin/env node
/**
 * Runs the whole NocoBase (`@nocobase/app` from install.js: server, preset plugins and the built UI) with NocoBase's
 * own command line, on a PostgreSQL database, with the environment NocoBase's CLI (`initEnv` in cli-v1 `util.js`)
 * would set. Missing pieces fail quietly: without PLUGIN_STATICS_PATH plugin bundles come back as index.html,
 * without CDN_BASE_URL `pm:listEnabled` answers 500, without WS_PATH the client never leaves its spinner.
 *   node tools/nocobase/app.js --dir <cache> --database-url <url> [--port 13000] [--app-key <k>] [--underscored] -- <nocobase args…>
 *   e.g. `-- install -f`, `-- pm add <tgz>`, `-- pm enable <package>`, `-- start --port 13000`
 * Each database gets its own storage (plugins, uploads, logs, gateway socket) under <cache>/storage/<database>, unless
 * `storage` names another folder (the demo keeps it beside its database).
 */
const { spawn } = require('node:child_process');
const { mkdirSync } = require('node:fs');
const { join, resolve } = require('node:path');

/** `{ command, args, env, cwd }` that run NocoBase's CLI entry with `nocobaseArgs`. */
function appCommand({ dir, databaseUrl, port = 13000, appKey = 'wecom-bridge-app-key-0123456789abcdef', underscored = false, storage }, nocobaseArgs) {
  dir = resolve(dir);
  const url = new URL(databaseUrl);
  const database = url.pathname.slice(1);
  storage = storage ? resolve(storage) : join(dir, 'storage', database);
  mkdirSync(storage, { recursive: true });
  const nodeModules = join(dir, 'node_modules');
  const env = {
    ...process.env,
    NODE_OPTIONS: '--preserve-symlinks',
    APP_ENV: 'production',
    APP_KEY: appKey,
    APP_PORT: String(port),
    APP_PACKAGE_ROOT: join(nodeModules, '@nocobase', 'app'),
    NODE_MODULES_PATH: nodeModules,
    NODE_PATH: nodeModules,
    STORAGE_PATH: storage,
    PLUGIN_STORAGE_PATH: join(storage, 'plugins'),
    LOCAL_STORAGE_DEST: join(storage, 'uploads'),
    SOCKET_PATH: join(storage, 'gateway.sock'),
    PM2_HOME: join(storage, '.pm2'),
    API_BASE_PATH: '/api/',
    API_BASE_URL: '/api/',
    APP_PUBLIC_PATH: '/',
    WS_PATH: '/ws',
    PLUGIN_STATICS_PATH: '/static/plugins/',
    CDN_BASE_URL: '',
    APP_SERVER_BASE_URL: '',
    APP_BASE_URL: '',
    APP_CLIENT_ENTRY_MODE: 'legacy-default',
    APP_MODERN_CLIENT_PREFIX: 'v',
    API_CLIENT_STORAGE_PREFIX: 'NOCOBASE_',
    API_CLIENT_SHARE_TOKEN: 'false',
    API_CLIENT_STORAGE_TYPE: 'localStorage',
    PLUGIN_PACKAGE_PREFIX: '@nocobase/plugin-,@nocobase/plugin-sample-,@nocobase/preset-',
    DEFAULT_STORAGE_TYPE: 'local',
    CACHE_DEFAULT_STORE: 'memory',
    CACHE_MEMORY_MAX: '2000',
    TZ: 'UTC',
    DB_TIMEZONE: '+00:00',
    DB_DIALECT: 'postgres',
    DB_HOST: url.hostname,
    DB_PORT: url.port || '5432',
    DB_DATABASE: database,
    DB_USER: decodeURIComponent(url.username),
    DB_PASSWORD: decodeURIComponent(url.password),
    DB_UNDERSCORED: String(underscored),
    INIT_ROOT_EMAIL: 'admin@nocobase.com',
    INIT_ROOT_PASSWORD: 'admin123',
    INIT_ROOT_NICKNAME: 'Super Admin',
    INIT_ROOT_USERNAME: 'nocobase',
    // `install` may otherwise shell out to `yarn nocobase pkg download-pro` (commercial plugins, not here).
    DISABLE_PKG_DOWNLOAD: 'true',
    LOGGER_LEVEL: process.env.LOGGER_LEVEL || 'warn',
  };
  return { command: process.execPath, args: ['--preserve-symlinks', join(nodeModules, '@nocobase', 'app', 'lib', 'index.js'), ...nocobaseArgs], env, cwd: dir };
}

module.exports = { appCommand };

if (require.main === module) {
  const argv = process.argv.slice(2);
  const split = argv.indexOf('--');
  const own = split < 0 ? argv : argv.slice(0, split);
  const option = (name, fallback) => (own.includes(`--${name}`) ? own[own.indexOf(`--${name}`) + 1] : fallback);
  if (split < 0 || !option('dir') || !option('database-url')) {
    console.error('usage: app.js --dir <cache> --database-url <url> [--port p] [--app-key k] [--underscored] -- <nocobase args…>');
    process.exit(2);
  }
  const { command, args, env, cwd } = appCommand(
    { dir: option('dir'), databaseUrl: option('database-url'), port: Number(option('port', 13000)), appKey: option('app-key'), underscored: own.includes('--underscored') },
    argv.slice(split + 1),
  );
  const child = spawn(command, args, { env, cwd, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
