import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { AdminBindingsController } from '../users/admin-bindings.controller';
import { UsersModule } from '../users/users.module';
import { WecomModule } from '../wecom/wecom.module';
import { AdminAuthenticatorsController } from './admin-authenticators.controller';
import { AdminGuard } from './admin.guard';
import { AuthenticatorsRepository } from './authenticators.repository';
import { AuthenticatorsService } from './authenticators.service';
import { LoginAuditRepository } from './login-audit.repository';
import { LoginPolicyService } from './login-policy.service';
import { LoginStateRepository } from './login-state.repository';
import { LoginStateService } from './login-state.service';
import { LoginController } from './login.controller';
import { LoginService } from './login.service';
import { WecomCallbackGuard } from './wecom-callback.guard';
import { WecomStrategy } from './wecom.strategy';

@Module({
  imports: [PassportModule, UsersModule, WecomModule],
  controllers: [LoginController, AdminAuthenticatorsController, AdminBindingsController],
  providers: [
    AuthenticatorsRepository,
    AuthenticatorsService,
    LoginStateRepository,
    LoginStateService,
    LoginAuditRepository,
    LoginPolicyService,
    LoginService,
    WecomStrategy,
    WecomCallbackGuard,
    AdminGuard,
  ],
  exports: [AuthenticatorsService, AdminGuard],
})
export class AuthModule {}
