import { getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/** `1[3-9]` + 9 digits, with or without +86, but not 179 (a carrier prefix in CN's metadata). */
const CN_MOBILE = /^(?:\+86)?1(?:[3-68-9]\d|7[0-8])\d{8}$/;

/**
 * Phones are compared in E.164 because neither side agrees on a spelling: WeCom returns
 * `13800000000`, `+86 13800000000` or `138-0000-0000`, and NocoBase stores whatever was typed.
 * A number libphonenumber does not list as issued (a 140, 144 or 160 prefix: IoT ranges, or a
 * range newer than its data) but whose length fits the country is still the member's mobile as
 * WeCom has it, so it is kept in the same E.164 form and matched on its digits rather than
 * dropped. Null only for what cannot be a phone number at all.
 */
export function normalizePhone(raw: string | null | undefined, defaultRegion: CountryCode = 'CN'): string | null {
  if (!raw) return null;
  const trimmed = raw.trim();
  // Chinese mobiles as WeCom and NocoBase spell them almost always: libphonenumber reads 13x–19x as the
  // number itself (only 11x, 12x and 179 start like a carrier prefix it strips) and 11 digits are always
  // possible in CN, so the answer is known without parsing — which cost ~10 CPU seconds per 100,000-member sync.
  // Spaces and hyphens anywhere ("+86 138-0000-0000") are what libphonenumber drops first, too.
  const compact = trimmed.replace(/[\s-]/g, '');
  if (defaultRegion === 'CN' && CN_MOBILE.test(compact)) return compact.startsWith('+') ? compact : `+86${compact}`;
  if (!/\d/.test(trimmed)) return null;
  // "8613800000000" (country code without +) is common in exports; libphonenumber reads it as national.
  const candidate = /^00\d/.test(trimmed) ? `+${trimmed.slice(2)}` : trimmed;
  const digits = candidate.replace(/[\s-]/g, '');
  const national = parsePhoneNumberFromString(candidate, defaultRegion);
  if (national?.isValid()) return national.number;
  // Only plain phone spellings fall back to a length check: libphonenumber would also pick digits out of prose.
  const plain = /^\+?[\d\s().-]+$/.test(candidate);
  // Written without +, a number is national first: "16012345678" is a Chinese mobile here, not +1 601…, whichever spelling WeCom used.
  if (plain && national?.isPossible()) return national.number;
  const international = /^\d{11,15}$/.test(digits) ? parsePhoneNumberFromString(`+${digits}`) : undefined;
  return international?.isValid() || (plain && international?.isPossible()) ? international!.number : null;
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
  // By calling code, not country: an unlisted number has none.
  return parsed.countryCallingCode === getCountryCallingCode(defaultRegion) ? String(parsed.nationalNumber) : parsed.number;
}
