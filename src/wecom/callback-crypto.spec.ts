import { createCipheriv, randomBytes } from 'node:crypto';
import * as wecomCrypto from '@wecom/crypto';
import { CallbackCrypto, CallbackCryptoError, callbackSignature } from './callback-crypto';

/** WeCom's published WXBizMsgCrypt sample (URL verification). */
const OFFICIAL = {
  token: 'QDG6eK',
  aesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  corpId: 'wx5823bf96d3bd56c7',
  signature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3',
  timestamp: '1409659589',
  nonce: '263014780',
  echostr: 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==',
  plain: '1616140317555161061',
};

const crypto = new CallbackCrypto(OFFICIAL.token, OFFICIAL.aesKey, OFFICIAL.corpId);
const XML =
  '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Event><![CDATA[change_contact]]></Event><ChangeType>create_user</ChangeType><UserID><![CDATA[张三]]></UserID></xml>';

describe(CallbackCrypto.name, () => {
  it("answers the official sample's echostr handshake", () => {
    expect(crypto.echo(OFFICIAL.signature, OFFICIAL.timestamp, OFFICIAL.nonce, OFFICIAL.echostr)).toBe(OFFICIAL.plain);
  });

  it('computes the official sample signature', () => {
    expect(callbackSignature(OFFICIAL.token, OFFICIAL.timestamp, OFFICIAL.nonce, OFFICIAL.echostr)).toBe(OFFICIAL.signature);
  });

  it('decrypts what @wecom/crypto encrypts, and the other way round', () => {
    const theirs = wecomCrypto.encrypt(OFFICIAL.aesKey, XML, OFFICIAL.corpId);
    expect(crypto.decrypt(theirs)).toBe(XML);
    const ours = crypto.encrypt(XML);
    expect(wecomCrypto.decrypt(OFFICIAL.aesKey, ours)).toMatchObject({ message: XML, id: OFFICIAL.corpId });
    expect(wecomCrypto.getSignature(OFFICIAL.token, '1', '2', ours)).toBe(crypto.signature('1', '2', ours));
  });

  it('pads to 32 bytes, adding a whole block when already aligned', () => {
    // 16 random + 4 length + msg + 18-byte corpid: a 26-byte message makes exactly 64 bytes.
    const aligned = Buffer.from(crypto.encrypt('x'.repeat(26)), 'base64');
    expect(aligned.length).toBe(96);
    expect(crypto.decrypt(aligned.toString('base64'))).toBe('x'.repeat(26));
  });

  it('accepts a 16-byte pad as some SDKs send', () => {
    const key = Buffer.from(`${OFFICIAL.aesKey}=`, 'base64');
    const msg = Buffer.from('hello');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(msg.length);
    const plain = Buffer.concat([randomBytes(16), len, msg, Buffer.from(OFFICIAL.corpId)]);
    const pad = 16 - (plain.length % 16);
    const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
    cipher.setAutoPadding(false);
    const encrypted = Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
    expect(crypto.decrypt(encrypted)).toBe('hello');
  });

  it.each([
    ['a changed signature', () => crypto.verify('0'.repeat(40), '1', '2', crypto.encrypt(XML)), 'bad_signature'],
    ['another corp as receiver', () => new CallbackCrypto('t', OFFICIAL.aesKey, 'wwother').decrypt(crypto.encrypt(XML)), 'wrong_receiver'],
    ['another key', () => new CallbackCrypto('t', 'a'.repeat(43), OFFICIAL.corpId).decrypt(crypto.encrypt(XML)), 'bad_padding'],
    ['a truncated ciphertext', () => crypto.decrypt(crypto.encrypt(XML).slice(0, 10)), 'bad_ciphertext'],
    ['a malformed key', () => new CallbackCrypto('t', 'short', OFFICIAL.corpId), 'bad_key'],
  ])('refuses %s', (_what, act, reason) => {
    try {
      act();
      throw new Error('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(CallbackCryptoError);
      expect((error as CallbackCryptoError).reason).toBe(reason);
    }
  });
});
