import { Global, Module } from '@nestjs/common';
import { NocobaseSchema } from './nocobase-schema';
import { NocobaseSchemaIntrospector } from './nocobase-schema.service';
import { NocobaseSessionService } from './nocobase-session.service';
import { NocobaseSessionsRepository } from './nocobase-sessions.repository';

@Global()
@Module({
  providers: [
    NocobaseSchemaIntrospector,
    NocobaseSessionsRepository,
    NocobaseSessionService,
    {
      provide: NocobaseSchema,
      inject: [NocobaseSchemaIntrospector],
      useFactory: (introspector: NocobaseSchemaIntrospector) => introspector.introspect(),
    },
  ],
  exports: [NocobaseSchema, NocobaseSessionService],
})
export class NocobaseModule {}
