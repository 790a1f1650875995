#!/usr/bin/env node
// The CLI: the built dist/cli.js in a production install, the TypeScript source in a checkout.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const source = join(__dirname, '..', 'src', 'cli.ts');
const built = join(__dirname, '..', 'dist', 'cli.js');
let register = null;
try {
  register = require.resolve('@swc-node/register');
} catch {
  // production install: no dev dependencies
}
if (existsSync(source) && register) {
  require(register);
  require(source);
} else {
  require(built);
}
