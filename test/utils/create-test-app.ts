import type { INestApplication, LoggerService } from '@nestjs/common';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import type { AppConfig } from '../../src/config/app-config';
import { testConfig } from './test-config';
import type { TestDatabase } from './test-database';

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  close(): Promise<void>;
}

/** For specs that send hundreds of refused requests from one address on purpose (and test something other than throttling). */
export const NO_THROTTLE = { BRIDGE_THROTTLE_PER_IP: '1000000', BRIDGE_THROTTLE_FAILURES_PER_IP: '1000000' };

/** The whole AppModule in-process on a test database, configured exactly as main.ts does. */
export async function createTestApp(
  db: TestDatabase,
  env: Record<string, string | undefined> = {},
  customize?: (builder: TestingModuleBuilder) => TestingModuleBuilder,
  options: { logger?: LoggerService } = {},
): Promise<TestApp> {
  const config = testConfig({ DATABASE_URL: db.url, ...env });
  let builder = Test.createTestingModule({ imports: [AppModule.forRoot(config)] });
  if (customize) builder = customize(builder);
  const moduleRef = await builder.compile();
  const app = configureApp(moduleRef.createNestApplication({ logger: options.logger ?? ['error', 'warn'] }));
  await app.init();
  return { app, config, close: () => app.close() };
}
