/**
 * Base of every error the bridge raises on purpose. Each module exports its codes with their
 * HTTP statuses as one static table (`AUTH_ERROR_STATUS`, `WECOM_ERROR_STATUS`, …) and an
 * exception class over those codes; `src/error-statuses.ts` composes the tables and
 * `ApiExceptionFilter` maps through them. Clients and repositories never throw HttpException.
 */
export abstract class AppException<Code extends string = string> extends Error {
  /** For a refusal that passes (throttling, a full queue): sent as `Retry-After`. */
  readonly retryAfterSeconds?: number;

  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options?.retryAfterSeconds !== undefined) this.retryAfterSeconds = Math.max(1, Math.ceil(options.retryAfterSeconds));
  }
}

/** A module's error table: every code it can raise, with the HTTP status an API caller sees. */
export type ErrorStatusTable<Code extends string> = Readonly<Record<Code, number>>;
