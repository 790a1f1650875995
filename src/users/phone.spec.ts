import fc from 'fast-check';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { nationalDigits, normalizePhone, storedPhoneForm } from './phone';

describe(normalizePhone.name, () => {
  it.each([
    ['13800000000', '+8613800000000'],
    ['+86 13800000000', '+8613800000000'],
    ['+8613800000000', '+8613800000000'],
    ['138-0000-0000', '+8613800000000'],
    [' 138 0000 0000 ', '+8613800000000'],
    ['008613800000000', '+8613800000000'],
    ['8613800000000', '+8613800000000'],
    ['+86-138-0000-0000', '+8613800000000'],
    ['+1 415 555 2671', '+14155552671'],
    ['+852 6123 4567', '+85261234567'],
  ])('%s → %s', (raw, e164) => {
    expect(normalizePhone(raw)).toBe(e164);
  });

  it.each([[''], [null], [undefined], ['abc'], ['12345'], ['138000000001234567'], ['+86 10 1234'], ['+999 12345678']])('rejects %p', (raw) => {
    expect(normalizePhone(raw as string)).toBeNull();
  });

  // Issue #14, finding 7: WeCom shares numbers that libphonenumber does not know as issued (140, 144, 160, 154…).
  // They are the member's real mobile as WeCom has it: matched on their digits rather than dropped.
  it.each([
    ['+86 14000000098', '+8614000000098'],
    ['14000000098', '+8614000000098'],
    ['140-0000-0098', '+8614000000098'],
    ['8614000000098', '+8614000000098'],
    ['16012345678', '+8616012345678'],
    ['+86 154 0000 0001', '+8615400000001'],
  ])('keeps the plausible but unlisted %s as %s', (raw, e164) => {
    expect(normalizePhone(raw)).toBe(e164);
  });

  it('honours another default region', () => {
    expect(normalizePhone('0412 345 678', 'AU')).toBe('+61412345678');
    // In China the same digits are a landline with the area code 0412, not an Australian mobile.
    expect(normalizePhone('0412 345 678', 'CN')).toBe('+86412345678');
  });

  it('reads a number written without + as national first, and as international when it cannot be national', () => {
    expect(normalizePhone('16012345678')).toBe(normalizePhone('+86 160 1234 5678'));
    expect(normalizePhone('4915112345678')).toBe('+4915112345678');
  });
});

describe('normalizePhone: the Chinese mobile shortcut', () => {
  // The full parse, without the shortcut: what libphonenumber itself answers.
  const parsed = (raw: string) => {
    const n = parsePhoneNumberFromString(raw, 'CN');
    return n?.isValid() || n?.isPossible() ? n.number : null;
  };

  it('answers what libphonenumber answers, for every prefix it covers', () => {
    fc.assert(
      fc.property(fc.integer({ min: 130, max: 199 }), fc.integer({ min: 0, max: 99_999_999 }), fc.boolean(), (prefix, rest, plus) => {
        const raw = `${plus ? '+86' : ''}${prefix}${String(rest).padStart(8, '0')}`;
        expect(normalizePhone(raw)).toBe(parsed(raw));
      }),
      { numRuns: 2_000 },
    );
  });

  it('answers what libphonenumber answers for spellings with spaces and hyphens ("+86 138-0000-0000")', () => {
    const separator = fc.constantFrom('', '', ' ', '-');
    fc.assert(
      fc.property(
        fc.integer({ min: 130, max: 199 }),
        fc.integer({ min: 0, max: 99_999_999 }),
        fc.boolean(),
        fc.array(separator, { minLength: 11, maxLength: 11 }),
        (prefix, rest, plus, separators) => {
          const digits = `${prefix}${String(rest).padStart(8, '0')}`;
          const raw = `${plus ? `+86${separators[10]}` : ''}${[...digits].map((d, i) => (i ? separators[i - 1] : '') + d).join('')}`;
          expect(normalizePhone(raw)).toBe(parsed(raw));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('leaves carrier-prefix look-alikes (11x, 12x, 179) and other regions to libphonenumber', () => {
    expect(normalizePhone('17951234567')).toBe(parsed('17951234567'));
    expect(normalizePhone('11234567890')).toBe(parsed('11234567890'));
    expect(normalizePhone('13800000000', 'US')).not.toBe('+8613800000000');
  });
});

describe(storedPhoneForm.name, () => {
  it('writes numbers of the default region as people there type them', () => {
    expect(storedPhoneForm('+8613800000000')).toBe('13800000000');
    expect(storedPhoneForm('+8614000000098')).toBe('14000000098');
  });
  it('keeps foreign numbers in E.164', () => {
    expect(storedPhoneForm('+14155552671')).toBe('+14155552671');
  });
});

describe(nationalDigits.name, () => {
  it('gives the digits every spelling contains', () => {
    expect(nationalDigits('+8613800000000')).toBe('13800000000');
  });
});
