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

  it.each([[''], [null], [undefined], ['abc'], ['12345'], ['138000000001234567']])('rejects %p', (raw) => {
    expect(normalizePhone(raw as string)).toBeNull();
  });

  it('honours another default region', () => {
    expect(normalizePhone('0412 345 678', 'AU')).toBe('+61412345678');
    expect(normalizePhone('0412 345 678', 'CN')).toBeNull();
  });
});

describe(storedPhoneForm.name, () => {
  it('writes numbers of the default region as people there type them', () => {
    expect(storedPhoneForm('+8613800000000')).toBe('13800000000');
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
