/**
 * The HTTP status of every AppException code, from the modules' static tables composed once
 * (src/error-statuses.ts). Injected where an error becomes a response; an unknown code is a
 * 500, so a forgotten mapping is loud rather than a silent 400.
 */
export class ErrorStatuses {
  constructor(private readonly table: Readonly<Record<string, number>>) {}

  statusOf(code: string): number {
    return this.table[code] ?? 500;
  }
}
