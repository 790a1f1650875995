import { type INestApplication, ValidationPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import cookieParser from 'cookie-parser';
import { text } from 'express';
import { AppConfig } from './config/app-config';

/** Everything main.ts does to the app besides listening, shared with the e2e specs. */
/** `shutdownHooks: false` when the caller handles SIGINT/SIGTERM itself (the demo stops more than the app). */
export function configureApp(app: INestApplication, options: { shutdownHooks?: boolean } = {}): INestApplication {
  // req.ip (audit, throttling) is the client's only behind proxies we trust; X-Forwarded-For from anyone else is ignored.
  const trusted = app.get(AppConfig).app.trustedProxies;
  if (trusted.length) (app as NestExpressApplication).set('trust proxy', trusted);
  app.use(cookieParser());
  // WeCom posts callbacks as XML.
  app.use('/api/wecom', text({ type: ['text/xml', 'application/xml'], limit: '1mb' }));
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  if (options.shutdownHooks ?? true) app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('wecom-bridge')
      .setDescription(
        "WeCom (企业微信) login and directory sync for NocoBase. Responses use NocoBase's envelope: `{ data, meta }`, errors `{ errors: [{ message, code }] }`.",
      )
      .setVersion(process.env.npm_package_version ?? '0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'BRIDGE_ADMIN_API_KEY, or a NocoBase token of a root/admin user' })
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs/openapi.json' });
  return app;
}
