import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { TEST_BRIDGE_SECRET_KEY, TEST_JWT_SECRET } from './test-config';
import { TEST_BRIDGE_SCHEMA } from './test-database';

const ROOT = join(__dirname, '..', '..');

export interface BridgeProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Every line the process wrote to stdout (pino's JSON lines). */
  lines: string[];
  /** Parsed JSON log lines. */
  logs(): Array<Record<string, unknown>>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * `npm start` as production runs it (src/main.ts, JSON logs), in a child process of its own: a
 * replica that can be killed, paused and signalled like a real one.
 */
export async function startBridgeProcess(env: Record<string, string>): Promise<BridgeProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', require.resolve('@swc-node/register'), join(ROOT, 'src', 'main.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
      BRIDGE_SECRET_KEY: TEST_BRIDGE_SECRET_KEY,
      NOCOBASE_JWT_SECRET: TEST_JWT_SECRET,
      BRIDGE_DB_SCHEMA: TEST_BRIDGE_SCHEMA,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_FORMAT: 'json',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the bridge exited with ${child.exitCode}: ${stderr}${lines.slice(-20).join('\n')}`);
    if (
      await fetch(`${url}/health/live`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) throw new Error(`the bridge did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    pid: child.pid!,
    child,
    lines,
    logs: () =>
      lines.flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGCONT'); // a paused process cannot exit
      child.kill(signal);
      return exited;
    },
  };
}
