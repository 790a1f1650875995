import { BadRequestException, type PipeTransform } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsString, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';

/** The largest id the bridge accepts: every integer up to it is exact in JavaScript and fits PostgreSQL's bigint. */
export const MAX_ID = Number.MAX_SAFE_INTEGER;

/** C0 and C1 control characters (NUL among them): PostgreSQL refuses NUL in text, and none belongs in a name or a path. */
const CONTROL_CLASS = '\\u0000-\\u001f\\u007f-\\u009f';
const CONTROL_CHARACTERS = new RegExp(`[${CONTROL_CLASS}]`);
const NO_CONTROL_CHARACTERS = new RegExp(`^[^${CONTROL_CLASS}]*$`);

export function hasControlCharacters(value: string): boolean {
  return CONTROL_CHARACTERS.test(value);
}

/**
 * A `:id` route parameter: a positive whole number the database can hold, else 400 (never a 500
 * from PostgreSQL). The global ValidationPipe has usually turned it into a number already.
 */
export class ParseIdPipe implements PipeTransform<unknown, number> {
  transform(value: unknown): number {
    const id = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(id) || id < 1) throw new BadRequestException(`the id must be a whole number from 1 to ${MAX_ID}`);
    return id;
  }
}

/** A query parameter holding an id (`?userId=`): a positive whole number in the same range. */
export function IsId(): PropertyDecorator {
  return (target, key) => {
    Type(() => Number)(target, key);
    IsInt()(target, key);
    Min(1)(target, key);
    Max(MAX_ID)(target, key);
  };
}

/** Text on one line: a string of at most `maxLength` characters without control characters. */
export function IsSingleLine(maxLength: number): PropertyDecorator {
  return (target, key) => {
    IsString()(target, key);
    MaxLength(maxLength)(target, key);
    Matches(NO_CONTROL_CHARACTERS, { message: '$property must not contain control characters' })(target, key);
  };
}

/**
 * The field may be left out, but not sent as null: for settings stored in NOT NULL columns.
 * (`@IsOptional` lets null through, which then reached the database.)
 */
export function Omittable(): PropertyDecorator {
  return ValidateIf((_, value) => value !== undefined);
}
