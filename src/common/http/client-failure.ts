import type { Response } from 'express';

/**
 * Marks a response as the caller's failure (junk input, a forged login state, a bad signature):
 * what per-address throttling counts. Refusals a genuine user meets in the normal course (no
 * account yet, first login outside the WeCom client) are not marked, so an office behind one
 * address is not shut out by its own members.
 */
export function markClientFailure(res: Response): void {
  res.locals.clientFailure = true;
}

export function isClientFailure(res: Response): boolean {
  return res.locals.clientFailure === true;
}
