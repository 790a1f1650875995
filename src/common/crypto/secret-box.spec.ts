import { SecretBox } from './secret-box';

describe(SecretBox.name, () => {
  const box = new SecretBox('k'.repeat(32));

  it('round-trips a secret and never stores it in clear', () => {
    const sealed = box.encrypt('corp-secret-123');
    expect(sealed).not.toContain('corp-secret-123');
    expect(box.decrypt(sealed)).toBe('corp-secret-123');
  });

  it('uses a fresh IV each time', () => {
    expect(box.encrypt('x')).not.toBe(box.encrypt('x'));
  });

  it('refuses a value sealed with another key', () => {
    const other = new SecretBox('o'.repeat(32));
    expect(() => box.decrypt(other.encrypt('x'))).toThrow();
  });

  it('refuses a tampered value', () => {
    const [v, iv, body, tag] = box.encrypt('hello').split('.');
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] ^= 1;
    expect(() => box.decrypt([v, iv, flipped.toString('base64url'), tag].join('.'))).toThrow();
    expect(() => box.decrypt('garbage')).toThrow('not a sealed value');
  });

  it('signs and verifies, rejecting other values and keys', () => {
    const sig = box.sign('state-1');
    expect(box.verify('state-1', sig)).toBe(true);
    expect(box.verify('state-2', sig)).toBe(false);
    expect(new SecretBox('o'.repeat(32)).verify('state-1', sig)).toBe(false);
    expect(box.verify('state-1', 'short')).toBe(false);
  });

  // Issue #14, finding 8: a new BRIDGE_SECRET_KEY opened nothing sealed with the old one.
  describe('with the previous key', () => {
    const old = new SecretBox('o'.repeat(32));
    const rotated = new SecretBox('n'.repeat(32), ['o'.repeat(32)]);

    it('opens what the previous key sealed, and seals only with the current one', () => {
      const sealed = old.encrypt('corp-secret-123');
      expect(rotated.decrypt(sealed)).toBe('corp-secret-123');
      expect(rotated.isCurrent(sealed)).toBe(false);
      const resealed = rotated.encrypt('corp-secret-123');
      expect(rotated.isCurrent(resealed)).toBe(true);
      expect(() => old.decrypt(resealed)).toThrow();
    });

    it('verifies what the previous key signed, and signs with the current one', () => {
      expect(rotated.verify('state-1', old.sign('state-1'))).toBe(true);
      expect(rotated.signatures('state-1')).toEqual([new SecretBox('n'.repeat(32)).sign('state-1'), old.sign('state-1')]);
      expect(old.verify('state-1', rotated.sign('state-1'))).toBe(false);
    });

    it('still refuses a third key', () => {
      expect(() => rotated.decrypt(new SecretBox('x'.repeat(32)).encrypt('x'))).toThrow();
    });
  });
});
