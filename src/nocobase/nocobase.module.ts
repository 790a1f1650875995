import { Global, Module } from '@nestjs/common';
import { NocobaseSchema } from './nocobase-schema';
import { NocobaseSchemaIntrospector } from './nocobase-schema.service';

@Global()
@Module({
  providers: [
    NocobaseSchemaIntrospector,
    {
      provide: NocobaseSchema,
      inject: [NocobaseSchemaIntrospector],
      useFactory: (introspector: NocobaseSchemaIntrospector) => introspector.introspect(),
    },
  ],
  exports: [NocobaseSchema],
})
export class NocobaseModule {}
