import { Module } from '@nestjs/common';
import { BindingsRepository } from './bindings.repository';
import { NocobaseUsersRepository } from './nocobase-users.repository';

@Module({
  providers: [NocobaseUsersRepository, BindingsRepository],
  exports: [NocobaseUsersRepository, BindingsRepository],
})
export class UsersModule {}
