import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { AppException } from '../exceptions/app.exception';
import { ErrorStatuses } from '../http/error-statuses';

export interface ApiError {
  message: string;
  code: string;
  field?: string;
}

/**
 * Every error leaves in NocoBase's envelope, `{ errors: [{ message, code, requestId }] }`. Our own
 * AppExceptions map by code; Nest's HttpExceptions keep their status; anything else is a logged
 * 500 that names the request and shows no internals.
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
    const { status, errors } = this.describe(exception, requestId);
    if (response.headersSent) return;
    response.status(status).json({ errors: errors.map((e) => ({ ...e, requestId })) });
  }

  private describe(exception: unknown, requestId: string): { status: number; errors: ApiError[] } {
    if (exception instanceof AppException) {
      const status = this.statuses.statusOf(exception.code);
      if (status >= 500) this.logger.error(`${exception.code}: ${exception.message}`, exception.cause instanceof Error ? exception.cause.stack : undefined);
      return { status, errors: [{ message: exception.message, code: exception.code }] };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse() as string | { message?: string | string[]; errors?: ApiError[] };
      if (typeof body === 'object' && Array.isArray(body.errors)) return { status, errors: body.errors };
      const messages = typeof body === 'string' ? [body] : Array.isArray(body.message) ? body.message : [body.message ?? exception.message];
      const code = HttpStatus[status] ?? 'HTTP_ERROR';
      return { status, errors: messages.map((message) => ({ message, code })) };
    }
    this.logger.error(`unhandled error in request ${requestId}`, exception instanceof Error ? exception.stack : String(exception));
    return { status: 500, errors: [{ message: `internal error (request id ${requestId})`, code: 'INTERNAL_ERROR' }] };
  }
}
