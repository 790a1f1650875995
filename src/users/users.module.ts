import { Module } from '@nestjs/common';
import { BindingsRepository } from './bindings.repository';

/** Who is who: WeCom members bound to NocoBase users (the bindings table and what a suspension took). */
@Module({
  providers: [BindingsRepository],
  exports: [BindingsRepository],
})
export class UsersModule {}
