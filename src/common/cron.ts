import { CronTime, validateCronExpression } from 'cron';

/**
 * Why a schedule cannot run, or null when it can: it must parse, and it must fire at least once
 * (`0 0 31 2 *` parses, but February never has a 31st and the scheduler would throw at every refresh).
 */
export function cronProblem(expression: string): string | null {
  if (!validateCronExpression(expression).valid) return 'is not a cron expression such as "0 3 * * *" (five fields, or six with seconds)';
  try {
    new CronTime(expression).sendAt();
    return null;
  } catch {
    return 'never fires (no date matches it in the next years)';
  }
}

/** The next `count` times a valid schedule fires (server time), for an administrator checking what they typed. */
export function nextFirings(expression: string, count: number): Date[] {
  return new CronTime(expression).sendAt(count).map((at) => at.toJSDate());
}
