import { ValidatorConstraint, type ValidationArguments, type ValidatorConstraintInterface } from 'class-validator';
import { cronProblem } from '../cron';

/** Accepts null/undefined (no schedule) or a cron expression the scheduler can run and that fires. */
@ValidatorConstraint({ name: 'cronExpression' })
export class CronExpressionConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return value == null || (typeof value === 'string' && cronProblem(value) === null);
  }

  defaultMessage(args: ValidationArguments): string {
    const problem = typeof args.value === 'string' ? cronProblem(args.value) : 'must be a string';
    return `${args.property} ${problem ?? 'must be a cron expression such as "0 3 * * *"'}`;
  }
}
