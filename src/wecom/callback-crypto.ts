import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Why a callback was refused; the HTTP layer answers 400/401 without detail. */
export class CallbackCryptoError extends Error {
  constructor(
    readonly reason: 'bad_signature' | 'bad_key' | 'bad_ciphertext' | 'bad_padding' | 'wrong_receiver',
    message: string,
  ) {
    super(message);
  }
}

/**
 * WeCom's callback scheme (WXBizMsgCrypt): sorted-sha1 signatures and AES-256-CBC with the IV
 * taken from the key, PKCS#7 to 32 bytes, and `random(16) | len(4, BE) | msg | receiveid`.
 */
export class CallbackCrypto {
  private readonly key: Buffer;

  constructor(
    private readonly token: string,
    encodingAesKey: string,
    /** corpid for enterprise and contact-sync callbacks. */
    private readonly receiveId: string,
  ) {
    if (!/^[A-Za-z0-9]{43}$/.test(encodingAesKey)) {
      throw new CallbackCryptoError('bad_key', 'EncodingAESKey must be exactly 43 letters and digits');
    }
    this.key = Buffer.from(`${encodingAesKey}=`, 'base64');
  }

  signature(timestamp: string, nonce: string, encrypted: string): string {
    return callbackSignature(this.token, timestamp, nonce, encrypted);
  }

  /** Checks msg_signature over (token, timestamp, nonce, payload) in constant time. */
  verify(signature: string, timestamp: string, nonce: string, encrypted: string): void {
    const expected = Buffer.from(this.signature(timestamp, nonce, encrypted));
    const given = Buffer.from(signature ?? '');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new CallbackCryptoError('bad_signature', 'msg_signature does not match: the callback token differs or the request was altered');
    }
  }

  encrypt(message: string, random: Buffer = randomBytes(16)): string {
    const msg = Buffer.from(message, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(msg.length);
    const plain = Buffer.concat([random, length, msg, Buffer.from(this.receiveId, 'utf8')]);
    const pad = 32 - (plain.length % 32);
    const cipher = createCipheriv('aes-256-cbc', this.key, this.key.subarray(0, 16));
    cipher.setAutoPadding(false);
    return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
  }

  /** Decrypts and checks the receiver. Accepts any valid PKCS#7 pad of 1..32 (some SDKs pad to 16). */
  decrypt(encrypted: string): string {
    const data = Buffer.from(encrypted, 'base64');
    if (data.length === 0 || data.length % 16 !== 0) throw new CallbackCryptoError('bad_ciphertext', 'Encrypt is not a whole number of AES blocks');
    const decipher = createDecipheriv('aes-256-cbc', this.key, this.key.subarray(0, 16));
    decipher.setAutoPadding(false);
    const plain = Buffer.concat([decipher.update(data), decipher.final()]);
    const pad = plain[plain.length - 1];
    if (pad < 1 || pad > 32 || pad > plain.length || !plain.subarray(plain.length - pad).every((b) => b === pad)) {
      throw new CallbackCryptoError('bad_padding', 'the decrypted message has no valid padding: the EncodingAESKey differs');
    }
    const body = plain.subarray(16, plain.length - pad);
    if (body.length < 4) throw new CallbackCryptoError('bad_ciphertext', 'the decrypted message is too short');
    const msgLength = body.readUInt32BE(0);
    if (4 + msgLength > body.length) throw new CallbackCryptoError('bad_ciphertext', 'the decrypted message length is out of range');
    const receiver = body.subarray(4 + msgLength).toString('utf8');
    if (receiver !== this.receiveId) {
      throw new CallbackCryptoError('wrong_receiver', `the message is addressed to ${receiver || '(nobody)'}, not ${this.receiveId}`);
    }
    return body.subarray(4, 4 + msgLength).toString('utf8');
  }

  /** URL verification: check the signature over echostr and answer its plaintext. */
  echo(signature: string, timestamp: string, nonce: string, echostr: string): string {
    this.verify(signature, timestamp, nonce, echostr);
    return this.decrypt(echostr);
  }
}

export function callbackSignature(token: string, timestamp: string, nonce: string, encrypted: string): string {
  return createHash('sha1').update([token, timestamp, nonce, encrypted].sort().join('')).digest('hex');
}
