import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/**
 * Phones are compared in E.164 because neither side agrees on a spelling: WeCom returns
 * `13800000000`, `+86 13800000000` or `138-0000-0000`, and NocoBase stores whatever was typed.
 * Returns null for anything that is not a valid number.
 */
export function normalizePhone(raw: string | null | undefined, defaultRegion: CountryCode = 'CN'): string | null {
  if (!raw) return null;
  const trimmed = raw.trim();
  if (!/\d/.test(trimmed)) return null;
  // "8613800000000" (country code without +) is common in exports; libphonenumber reads it as national.
  const candidate = /^00\d/.test(trimmed) ? `+${trimmed.slice(2)}` : trimmed;
  const parsed = parsePhoneNumberFromString(candidate, defaultRegion);
  if (parsed?.isValid()) return parsed.number;
  const withPlus = /^\d{11,15}$/.test(candidate.replace(/[\s-]/g, '')) ? parsePhoneNumberFromString(`+${candidate.replace(/[\s-]/g, '')}`) : undefined;
  return withPlus?.isValid() ? withPlus.number : null;
}

/** The trailing digits that any spelling of this number contains: a cheap SQL pre-filter. */
export function nationalDigits(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  return parsed ? String(parsed.nationalNumber) : e164.replace(/\D/g, '');
}

/**
 * How a new NocoBase user's phone is written: the national number for the default region
 * (how people there type it into NocoBase), E.164 for anything else.
 */
export function storedPhoneForm(e164: string, defaultRegion: CountryCode = 'CN'): string {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return e164;
  return parsed.country === defaultRegion ? String(parsed.nationalNumber) : parsed.number;
}
