import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { UsersModule } from '../users/users.module';
import { AdminAuditRepository } from './admin-audit.repository';
import { AdminGuard } from './admin.guard';
import { AdminAuthenticatorsController } from './authenticators/admin-authenticators.controller';
import { AuthenticatorOriginsCors } from './authenticators/authenticator-origins.cors';
import { AuthenticatorsRepository } from './authenticators/authenticators.repository';
import { AuthenticatorsService } from './authenticators/authenticators.service';
import { PublicAuthenticatorsController } from './authenticators/public-authenticators.controller';
import { AdminBindingsController } from './bindings/admin-bindings.controller';
import { AdminBindingsService } from './bindings/admin-bindings.service';
import { AdminLoginAuditController } from './login/admin-login-audit.controller';
import { LoginAuditRepository } from './login/login-audit.repository';
import { LoginAuditService } from './login/login-audit.service';
import { LoginPolicyService } from './login/login-policy.service';
import { LoginStateRepository } from './login/login-state.repository';
import { LoginStateService } from './login/login-state.service';
import { LoginController } from './login/login.controller';
import { LoginService } from './login/login.service';
import { WecomStrategy } from './login/wecom.strategy';
import { WecomThrottle } from './wecom-throttle';

/**
 * Who may sign in and how: authenticator management (authenticators/), the login flow from WeCom's
 * callback to a NocoBase session (login/), binding administration (bindings/), and admin access.
 */
@Module({
  imports: [PassportModule, UsersModule],
  controllers: [PublicAuthenticatorsController, LoginController, AdminAuthenticatorsController, AdminBindingsController, AdminLoginAuditController],
  providers: [
    AuthenticatorsRepository,
    AuthenticatorsService,
    AuthenticatorOriginsCors,
    LoginStateRepository,
    LoginStateService,
    LoginAuditRepository,
    LoginAuditService,
    LoginPolicyService,
    LoginService,
    WecomStrategy,
    AdminGuard,
    AdminAuditRepository,
    AdminBindingsService,
    WecomThrottle,
  ],
  exports: [AuthenticatorsService, AdminGuard, LoginAuditRepository],
})
export class AuthModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(WecomThrottle).forRoutes('api/wecom/*path');
    consumer.apply(AuthenticatorOriginsCors).forRoutes('api/wecom/authenticators', 'api/wecom/authenticators/*path', 'api/admin/*path');
  }
}
