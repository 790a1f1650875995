import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { map, type Observable } from 'rxjs';

/** A page of rows: leaves as `{ data: rows, meta }`, as NocoBase's list actions do. */
export class Page<T> {
  constructor(
    readonly rows: T[],
    readonly meta: { count: number; page: number; pageSize: number; totalPage: number },
  ) {}

  static of<T>(rows: T[], count: number, page: number, pageSize: number): Page<T> {
    return new Page(rows, { count, page, pageSize, totalPage: Math.ceil(count / pageSize) });
  }
}

const RAW_RESPONSE = 'wecom-bridge:raw-response';
/** Opts a route out of the envelope (health probes, redirects, WeCom callbacks). */
export const RawResponse = () => SetMetadata(RAW_RESPONSE, true);

/** NocoBase's response envelope on our API: `{ data }`, or `{ data, meta }` for pages. */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const raw = this.reflector.getAllAndOverride<boolean>(RAW_RESPONSE, [context.getHandler(), context.getClass()]);
    if (raw) return next.handle();
    return next.handle().pipe(map((body) => (body instanceof Page ? { data: body.rows, meta: body.meta } : { data: body ?? null })));
  }
}
