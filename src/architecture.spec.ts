import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** The modules, lowest first: a module may import only from modules at its own level or below. */
const LEVELS: Record<string, number> = { common: 0, config: 0, metrics: 0, database: 1, wecom: 2, nocobase: 2, users: 3, auth: 4, sync: 5, health: 5 };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

function localImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)].map((m) => resolve(dirname(file), m[1]));
}

const moduleOf = (path: string) => relative(__dirname, path).split('/')[0];

describe('module layering', () => {
  const files = sourceFiles(__dirname);

  it('never imports from a higher-level module (users/ never from auth/, auth/ never from sync/, …)', () => {
    const upward: string[] = [];
    for (const file of files) {
      const from = moduleOf(file);
      if (!(from in LEVELS)) continue;
      for (const target of localImports(file)) {
        const to = moduleOf(target);
        if (to in LEVELS && to !== from && LEVELS[to] > LEVELS[from]) upward.push(`${relative(__dirname, file)} → ${relative(__dirname, target)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('has no import cycle between files', () => {
    const graph = new Map(files.map((f) => [f.replace(/\.ts$/, ''), localImports(f).map((t) => t.replace(/\.ts$/, ''))]));
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (node: string, path: string[]) => {
      if (state.get(node) === 'done' || !graph.has(node)) return;
      if (state.get(node) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(node)), node].map((n) => relative(__dirname, n)).join(' → '));
        return;
      }
      state.set(node, 'visiting');
      for (const next of graph.get(node)!) visit(next, [...path, node]);
      state.set(node, 'done');
    };
    for (const node of graph.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });
});
