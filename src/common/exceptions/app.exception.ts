/**
 * Base of every error the bridge raises on purpose. Each module defines its own
 * code union (e.g. `WecomErrorCode`) and subclass; the single HTTP mapping lives in
 * `common/filters/app-exception.filter.ts`. Clients and repositories never throw
 * HttpException.
 */
export abstract class AppException<Code extends string = string> extends Error {
  protected constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
