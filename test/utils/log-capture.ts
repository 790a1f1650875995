import { ConsoleLogger, type LogLevel } from '@nestjs/common';

export interface LogLine {
  level: LogLevel;
  context: string | undefined;
  message: string;
}

/**
 * The app's logger for specs that assert on what it logs: every line is kept (and warnings and
 * errors still printed), so a spec can say "no ERROR line for a client's mistake".
 */
export class CapturingLogger extends ConsoleLogger {
  readonly lines: LogLine[] = [];

  constructor(private readonly print: LogLevel[] = []) {
    super();
    this.setLogLevels(['error', 'warn', 'log', 'debug', 'verbose']);
  }

  override error(message: unknown, ...rest: unknown[]): void {
    this.keep('error', message, rest);
  }

  override warn(message: unknown, ...rest: unknown[]): void {
    this.keep('warn', message, rest);
  }

  override log(message: unknown, ...rest: unknown[]): void {
    this.keep('log', message, rest);
  }

  override debug(message: unknown, ...rest: unknown[]): void {
    this.keep('debug', message, rest);
  }

  override verbose(message: unknown, ...rest: unknown[]): void {
    this.keep('verbose', message, rest);
  }

  at(level: LogLevel): LogLine[] {
    return this.lines.filter((l) => l.level === level);
  }

  clear(): void {
    this.lines.length = 0;
  }

  /** The ERROR lines so far, forgetting every line: for `afterEach(() => expect(logger.takeErrors()).toEqual([]))`. */
  takeErrors(): LogLine[] {
    const errors = this.at('error');
    this.clear();
    return errors;
  }

  private keep(level: LogLevel, message: unknown, rest: unknown[]): void {
    const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    const text = [message, ...rest.slice(0, -1)].map((m) => (m instanceof Error ? (m.stack ?? m.message) : String(m))).join('\n');
    this.lines.push({ level, context, message: text });
    if (this.print.includes(level)) super[level as 'warn'](message, ...(rest as []));
  }
}
