import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { AppException } from '../exceptions/app.exception';
import { markClientFailure } from '../http/client-failure';
import { ErrorStatuses } from '../http/error-statuses';

export interface ApiError {
  message: string;
  code: string;
  field?: string;
}

interface Described {
  status: number;
  errors: ApiError[];
  retryAfterSeconds?: number;
}

/** body-parser's error types, in words a caller can act on. */
const BODY_ERRORS: Record<string, (e: BodyError) => string> = {
  'entity.too.large': (e) => (e.limit ? `the request body is larger than the ${e.limit} bytes accepted here` : 'the request body is too large'),
  'parameters.too.many': () => 'the request body has more form parameters than the 1,000 accepted',
  'charset.unsupported': (e) => `unsupported charset "${String(e.charset ?? '').slice(0, 40)}"; send UTF-8`,
  'encoding.unsupported': () => 'unsupported Content-Encoding; send gzip, deflate, br or none',
  'entity.parse.failed': () => 'the request body is not valid for its Content-Type',
  'request.aborted': () => 'the request was aborted before its body arrived',
  'request.size.invalid': () => 'the request body does not match its Content-Length',
};

type BodyError = Error & { status?: number; expose?: boolean; type?: string; limit?: number; charset?: string };

/**
 * PostgreSQL's data exceptions (class 22: a NUL byte, a number out of range, text that is not a
 * number) and values too long for an index (54000) come from a value the caller sent that
 * validation let through. They are the caller's mistake, so a 400, and a warning for us.
 */
const DATA_EXCEPTION = /^(22|54000)/;

/**
 * The database connection went away under the request (a PostgreSQL restart or failover, pg_terminate_backend, an
 * idle killer): class 08, or 57P01–57P03, or node-postgres noticing the socket closed. Nothing the caller did: a 503
 * the caller may repeat a second later, when the pool has fresh connections.
 */
const CONNECTION_LOST_STATE = /^(08|57P0[123])/;
const CONNECTION_LOST_MESSAGE = /Connection terminated|terminating connection|Client has encountered a connection error|ECONNRESET|ECONNREFUSED/;

function connectionLost(exception: unknown): boolean {
  const e = exception as { code?: unknown; driverError?: { code?: unknown }; message?: unknown };
  const state = e?.driverError?.code ?? e?.code;
  if (typeof state === 'string' && CONNECTION_LOST_STATE.test(state)) return true;
  return exception instanceof Error && CONNECTION_LOST_MESSAGE.test(exception.message);
}

/**
 * Every error leaves in NocoBase's envelope, `{ errors: [{ message, code, requestId }] }`. Our own
 * AppExceptions map by code; Nest's HttpExceptions keep their status; a request body the parser
 * refused is the caller's 4xx; anything else is a logged 500 that names the request and shows no internals.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(ApiExceptionFilter.name);

  constructor(private readonly statuses: ErrorStatuses) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<Request>();
    const response = host.switchToHttp().getResponse<Response>();
    // The request id ties an error a user reports to its log lines (and, for logins, its audit row).
    const requestId = typeof request.id === 'string' ? request.id : randomUUID();
    const { status, errors, retryAfterSeconds } = this.describe(exception, requestId);
    if (response.headersSent) return;
    if (retryAfterSeconds !== undefined) response.setHeader('Retry-After', String(retryAfterSeconds));
    // A throttled request is not counted again: the refusal would never end.
    if (status >= 400 && status < 500 && status !== 429) markClientFailure(response);
    // A handler may have set another type before it failed (a text/plain answer to WeCom, say).
    response
      .status(status)
      .type('application/json')
      .json({ errors: errors.map((e) => ({ ...e, requestId })) });
  }

  private describe(exception: unknown, requestId: string): Described {
    if (exception instanceof AppException) {
      const status = this.statuses.statusOf(exception.code);
      if (status >= 500) this.logger.error(`${exception.code}: ${exception.message}`, exception.cause instanceof Error ? exception.cause.stack : undefined);
      return { status, errors: [{ message: exception.message, code: exception.code }], retryAfterSeconds: exception.retryAfterSeconds };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse() as string | { message?: string | string[]; errors?: ApiError[] };
      if (typeof body === 'object' && Array.isArray(body.errors)) return { status, errors: body.errors };
      const messages = typeof body === 'string' ? [body] : Array.isArray(body.message) ? body.message : [body.message ?? exception.message];
      return { status, errors: messages.map((message) => ({ message, code: codeOf(status) })) };
    }
    const body = bodyError(exception);
    if (body) return body;
    const sqlState = (exception as { driverError?: { code?: unknown } })?.driverError?.code;
    if (typeof sqlState === 'string' && DATA_EXCEPTION.test(sqlState)) {
      this.logger.warn(`a request carried a value the database refused (request ${requestId}): ${(exception as Error).message}`);
      return { status: 400, errors: [{ message: `the request holds a value that cannot be stored (request id ${requestId})`, code: 'BAD_REQUEST' }] };
    }
    if (connectionLost(exception)) {
      this.logger.warn(`the database connection was lost during request ${requestId}: ${(exception as Error).message}`);
      return {
        status: 503,
        errors: [{ message: `the database connection was lost; try again (request id ${requestId})`, code: 'DATABASE_UNAVAILABLE' }],
        retryAfterSeconds: 1,
      };
    }
    this.logger.error(`unhandled error in request ${requestId}`, exception instanceof Error ? exception.stack : String(exception));
    return { status: 500, errors: [{ message: `internal error (request id ${requestId})`, code: 'INTERNAL_ERROR' }] };
  }
}

/** body-parser (and raw-body, zlib under it) raise http-errors: a status below 500 with `expose` is the caller's mistake. */
function bodyError(exception: unknown): Described | null {
  const e = exception as BodyError;
  if (!(exception instanceof Error) || e.expose !== true || typeof e.status !== 'number' || e.status < 400 || e.status >= 500) return null;
  const describe = e.type ? BODY_ERRORS[e.type] : undefined;
  const message = describe ? describe(e) : `the request body could not be read: ${e.message}`;
  return { status: e.status, errors: [{ message, code: codeOf(e.status) }] };
}

function codeOf(status: number): string {
  return HttpStatus[status] ?? 'HTTP_ERROR';
}
