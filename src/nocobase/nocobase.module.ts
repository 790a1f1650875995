import { Global, Module } from '@nestjs/common';
import { NocobaseApiClient } from './nocobase-api.client';
import { NocobaseDepartmentsRepository } from './nocobase-departments.repository';
import { NocobaseSessionService } from './nocobase-session.service';
import { NocobaseSessionsRepository } from './nocobase-sessions.repository';
import { NocobaseUsersRepository } from './nocobase-users.repository';
import { NocobaseSchema } from './schema/nocobase-schema';
import { NocobaseSchemaIntrospector } from './schema/nocobase-schema.introspector';

/** Everything the bridge knows of NocoBase: its resolved schema, its tables (one repository each group), its HTTP API. */
@Global()
@Module({
  providers: [
    NocobaseSchemaIntrospector,
    { provide: NocobaseSchema, inject: [NocobaseSchemaIntrospector], useFactory: (introspector: NocobaseSchemaIntrospector) => introspector.introspect() },
    NocobaseApiClient,
    NocobaseUsersRepository,
    NocobaseDepartmentsRepository,
    NocobaseSessionsRepository,
    NocobaseSessionService,
  ],
  exports: [NocobaseSchema, NocobaseUsersRepository, NocobaseDepartmentsRepository, NocobaseSessionService],
})
export class NocobaseModule {}
