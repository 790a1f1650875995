import { ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';
import { validateCronExpression } from 'cron';

/** Accepts null/undefined (no schedule) or a cron expression the scheduler can run. */
@ValidatorConstraint({ name: 'cronExpression' })
export class CronExpressionConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return value == null || (typeof value === 'string' && validateCronExpression(value).valid);
  }

  defaultMessage(): string {
    return '$property must be a cron expression such as "0 3 * * *"';
  }
}
