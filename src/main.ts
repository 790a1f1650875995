import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { ConsoleLogger, Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import type { AppConfig } from './config/app-config';
import { loadConfig } from './config/load-config';
import { exitGracefully } from './shutdown';
import { describeStartupError } from './startup-error';

const LEVELS: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

async function bootstrap(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: AppConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    fail(error);
  }
  const logger = new StartupLogger({ logLevels: LEVELS.slice(0, LEVELS.indexOf(config.app.logLevel) + 1) });
  try {
    const app = configureApp(await NestFactory.create(AppModule.forRoot(config), { logger, abortOnError: false }), { shutdownHooks: false });
    // From here on every line is pino's (JSON, or pretty with LOG_FORMAT=pretty); start-up errors above stay one readable line.
    app.useLogger(app.get(PinoLogger));
    exitGracefully(app, config.app.shutdownTimeoutSeconds);
    await app.listen(config.app.port, config.app.host);
    new Logger('Bootstrap').log(`wecom-bridge listening on ${config.app.host}:${config.app.port} (OpenAPI at /api/docs)`);
  } catch (error) {
    fail(error, config.database.url);
  }
}

/** Nest logs a failed provider with its stack; we print one actionable line instead (see fail). */
class StartupLogger extends ConsoleLogger {
  override error(message: unknown, ...rest: unknown[]): void {
    if (rest.includes('ExceptionHandler')) return;
    super.error(message, ...(rest as []));
  }
}

function fail(error: unknown, databaseUrl?: string): never {
  const message = describeStartupError(error, databaseUrl);
  console.error(message ?? error);
  process.exit(1);
}

void bootstrap();
