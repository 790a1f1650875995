import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

const VERSION = 'v1';

interface Keys {
  encryption: Buffer;
  signing: Buffer;
}

/**
 * Encrypts secrets at rest (AES-256-GCM) and signs short values (HMAC-SHA256) with keys
 * derived from BRIDGE_SECRET_KEY. Separate HKDF labels keep the two uses independent, so a
 * signature can never be replayed as a ciphertext or the other way round.
 *
 * Rotation: values are sealed and signed with the current key only; the previous keys
 * (BRIDGE_SECRET_KEY_PREVIOUS) still open and verify what they made, until `npm run cli -- reseal`
 * has sealed everything again with the current one.
 */
export class SecretBox {
  private readonly keys: Keys[];

  constructor(masterKey: string, previousKeys: readonly string[] = []) {
    this.keys = [masterKey, ...previousKeys].map(derive);
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0].encryption, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv, body, cipher.getAuthTag()].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  /** Throws when the value was produced by none of the keys (tampered, or sealed under a key no longer configured). */
  decrypt(sealed: string): string {
    for (const keys of this.keys) {
      const opened = open(sealed, keys.encryption);
      if (opened !== null) return opened;
    }
    throw new Error('the value does not open with BRIDGE_SECRET_KEY (nor BRIDGE_SECRET_KEY_PREVIOUS)');
  }

  /** Sealed with the current key (so a re-seal would not change what opens it). */
  isCurrent(sealed: string): boolean {
    return open(sealed, this.keys[0].encryption) !== null;
  }

  sign(value: string): string {
    return hmac(this.keys[0].signing, value);
  }

  /** The value's signature under each key, the current one first: what a signature made before a rotation may be. */
  signatures(value: string): string[] {
    return this.keys.map((keys) => hmac(keys.signing, value));
  }

  verify(value: string, signature: string): boolean {
    const given = Buffer.from(signature);
    return this.signatures(value).some((s) => {
      const expected = Buffer.from(s);
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
  }
}

function derive(masterKey: string): Keys {
  const ikm = Buffer.from(masterKey, 'utf8');
  return {
    encryption: Buffer.from(hkdfSync('sha256', ikm, 'wecom-bridge', 'encryption', 32)),
    signing: Buffer.from(hkdfSync('sha256', ikm, 'wecom-bridge', 'signing', 32)),
  };
}

function hmac(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value).digest('base64url');
}

/** The plaintext, or null when `key` did not seal it. Throws only for what is no sealed value at all. */
function open(sealed: string, key: Buffer): string | null {
  const [version, iv, body, tag] = sealed.split('.');
  if (version !== VERSION || !iv || !body || tag === undefined) throw new Error('not a sealed value');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
