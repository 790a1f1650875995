#!/usr/bin/env node
/**
 * Summarises a V8 CPU profile (node --cpu-prof): self time by where the code lives (the bridge's own
 * modules, each package in node_modules, Node's internals, garbage collection, idle) and the functions
 * with the most self time. How the login profile in the README was read.
 *   node tools/bench/profile-summary.js <file.cpuprofile> [--top 25]
 */
const { readFileSync } = require('node:fs');

const file = process.argv[2];
if (!file) {
  console.error('usage: profile-summary.js <file.cpuprofile> [--top 25]');
  process.exit(2);
}
const topIndex = process.argv.indexOf('--top');
const top = topIndex > 0 ? Number(process.argv[topIndex + 1]) : 25;
const profile = JSON.parse(readFileSync(file, 'utf8'));

// Self time of a node = its samples × the interval between them.
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i + 1] ?? 0;
  selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + dt);
}

function place(frame) {
  const url = frame.url || '';
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return 'node internals';
  const dist = url.indexOf('/dist/');
  return dist >= 0
    ? `bridge ${url
        .slice(dist + 6)
        .split('/')
        .slice(0, 2)
        .join('/')}`
    : url;
}

const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const groups = new Map();
const functions = new Map();
for (const [id, us] of selfUs) {
  const frame = byId.get(id).callFrame;
  const where = place(frame);
  groups.set(where, (groups.get(where) ?? 0) + us);
  const name = `${frame.functionName || '(anonymous)'} ${where}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
  functions.set(name, (functions.get(name) ?? 0) + us);
}
const pct = (us) => `${((100 * us) / total).toFixed(1)}%`.padStart(6);
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
console.log('\nself time by where the code lives:');
for (const [where, us] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${where}`);
console.log('\nfunctions with the most self time:');
for (const [name, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${name}`);
