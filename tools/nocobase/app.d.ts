/** Types for app.js (plain JavaScript, so it runs without a TypeScript loader). */
export interface AppCommandOptions {
  dir: string;
  databaseUrl: string;
  port?: number;
  appKey?: string;
  underscored?: boolean;
  /** NocoBase's storage folder; default <dir>/storage/<database>. */
  storage?: string;
}

export function appCommand(options: AppCommandOptions, nocobaseArgs: string[]): { command: string; args: string[]; env: NodeJS.ProcessEnv; cwd: string };
