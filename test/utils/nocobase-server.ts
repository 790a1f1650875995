import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** A real NocoBase serving HTTP for a suite (the compatibility suite's, or the whole app the browser opens). */
export interface NocobaseServer {
  url: string;
  databaseUrl: string;
  appKey: string;
  /** A root session, signed in with the fresh install's admin@nocobase.com / admin123. */
  rootToken(): Promise<string>;
  /** NocoBase's REST API over 127.0.0.1 (as authenticator `basic` unless a header says otherwise): `{ status, body, headers }`. */
  api(
    token: string | null,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any; headers: Headers }>;
  stop(): Promise<void>;
}

/**
 * Starts NocoBase's server process and waits until it answers: while it boots NocoBase answers 503
 * (APP_COMMANDING); once up, auth:check without a token is a 401. Throws with its last stderr when it exits or
 * outlasts `timeoutMs` (the process is then killed).
 */
export async function serveNocobase(command: string, args: string[], options: SpawnOptions, apiUrl: string, timeoutMs: number): Promise<ChildProcess> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const up = await fetch(`${apiUrl}/api/auth:check`).then(
      (r) => r.status === 401 || r.status === 200,
      () => false,
    );
    if (up) return child;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`NocoBase did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The server's API and root session, and a stop that ends the process (SIGTERM, then SIGKILL after 5 s) before `cleanUp`. */
export function nocobaseServer(
  server: ChildProcess,
  apiUrl: string,
  fields: Pick<NocobaseServer, 'url' | 'databaseUrl' | 'appKey'>,
  cleanUp: () => Promise<unknown>,
): NocobaseServer {
  const api: NocobaseServer['api'] = async (token, method, path, body, headers = {}) => {
    const res = await fetch(`${apiUrl}/api/${path}`, {
      method,
      headers: { 'Content-Type': 'application/json', 'X-Authenticator': 'basic', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  let root: string | null = null;
  return {
    ...fields,
    api,
    async rootToken() {
      if (root) return root;
      const res = await api(null, 'POST', 'auth:signIn', { account: 'admin@nocobase.com', password: 'admin123' });
      if (res.status !== 200) throw new Error(`root sign-in failed: ${res.status} ${JSON.stringify(res.body)}`);
      return (root = res.body.data.token as string);
    },
    async stop() {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (server.exitCode === null) server.kill('SIGKILL');
      await cleanUp();
    },
  };
}
