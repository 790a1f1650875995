import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { NocobaseApiClient } from './nocobase-api.client';
import { NocobaseDepartmentsRepository } from './nocobase-departments.repository';
import { NocobaseSessionService } from './nocobase-session.service';
import { NocobaseSessionsRepository } from './nocobase-sessions.repository';
import { NocobaseUsersRepository } from './nocobase-users.repository';
import { PrivilegedRoles } from './privileged-roles';
import { NocobaseSchema } from './schema/nocobase-schema';
import { NocobaseSchemaIntrospector } from './schema/nocobase-schema.introspector';

/** Everything the bridge knows of NocoBase: its resolved schema, its tables (one repository each group), its HTTP API. */
@Global()
@Module({
  providers: [
    NocobaseSchemaIntrospector,
    { provide: NocobaseSchema, inject: [NocobaseSchemaIntrospector], useFactory: (introspector: NocobaseSchemaIntrospector) => introspector.introspect() },
    { provide: PrivilegedRoles, inject: [AppConfig], useFactory: (config: AppConfig) => new PrivilegedRoles(config.auth.protectedRoles) },
    NocobaseApiClient,
    NocobaseUsersRepository,
    NocobaseDepartmentsRepository,
    NocobaseSessionsRepository,
    NocobaseSessionService,
  ],
  exports: [NocobaseSchema, PrivilegedRoles, NocobaseUsersRepository, NocobaseDepartmentsRepository, NocobaseSessionService],
})
export class NocobaseModule {}
