/** A WeCom error the emulator answers with (errcode + errmsg prefix), e.g. 60111 `userid not found`. */
export class EmuError extends Error {
  constructor(
    readonly errcode: number,
    message: string,
  ) {
    super(message);
  }
}

/** WeCom's errmsg tail: `, hint: [...], from ip: ..., more info at ...?e=<code>`. */
export function errmsgWithTail(errcode: number, text: string, ip: string): string {
  const hint = `${Math.floor(Date.now() / 1000)}_${Math.floor(Math.random() * 1e6)}_${Math.random().toString(16).slice(2, 34).padEnd(32, '0')}`;
  return `${text}, hint: [${hint}], from ip: ${ip}, more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}`;
}

/** The prefixes real WeCom uses, so clients that log errmsg see familiar text. */
export const ERRMSG: Record<number, string> = {
  [-1]: 'system busy',
  40001: 'invalid credential',
  40003: 'invalid userid',
  40013: 'invalid corpid',
  40014: 'invalid access_token',
  40029: 'invalid code',
  40056: 'invalid agentid',
  40058: 'invalid parameter',
  40066: 'invalid department list',
  41001: 'access_token missing',
  41002: 'corpid missing',
  41004: 'corpsecret missing',
  41008: 'missing oauth code',
  42001: 'access_token expired',
  45009: 'api freq out of limit',
  45033: 'api concurrent out of limit',
  48002: 'api forbidden',
  48009: 'api forbidden for this ip, please use user/list_id and department/simplelist',
  50001: 'redirect_uri unauthorized',
  60003: 'department not found',
  60005: 'department contains user',
  60006: 'department contains sub-department',
  60011: 'no privilege to access/modify contact/party/agent',
  60020: 'not allow to access from your ip',
  60102: 'userid existed',
  60104: 'mobile existed',
  60110: 'user in too many departments',
  60111: 'userid not found',
  60123: 'invalid party id',
};

export function emuError(errcode: number, detail?: string): EmuError {
  return new EmuError(errcode, detail ? `${ERRMSG[errcode] ?? 'error'}: ${detail}` : (ERRMSG[errcode] ?? 'error'));
}
