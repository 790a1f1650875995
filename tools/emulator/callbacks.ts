import { randomBytes } from 'node:crypto';
import { CallbackCrypto } from '../../src/wecom/callback-crypto';
import type { DirectoryChange } from './directory';
import type { EmuMember } from './model';

export interface CallbackConfig {
  url: string;
  token: string;
  encodingAesKey: string;
  /** Callback URL set after 2022-08-15: member events carry only UserID/Department, departments only Id/ParentId. */
  reduced?: boolean;
  /** WeCom waits 5 s for a 200. */
  timeoutMs?: number;
  /** WeCom tries 3 times in all. */
  attempts?: number;
  retryDelayMs?: number;
}

export interface Delivery {
  changeType: string;
  xml: string;
  attempts: number;
  delivered: boolean;
  lastStatus: number | string;
}

export interface TagChange {
  tagId: number;
  addUsers?: string[];
  delUsers?: string[];
  addParties?: number[];
  delParties?: number[];
}

type Field = [name: string, value: string | number];

/**
 * Sends `change_contact` events as WeCom does: XML, encrypted and signed with the callback's
 * token and EncodingAESKey, POSTed in order, retried until 3 attempts when there is no 200.
 */
export class CallbackSender {
  private config: CallbackConfig | null = null;
  private queue: Promise<void> = Promise.resolve();
  readonly deliveries: Delivery[] = [];

  constructor(private readonly corpId: string) {}

  configure(config: CallbackConfig | null): void {
    if (config) new CallbackCrypto(config.token, config.encodingAesKey, this.corpId); // validates the key
    this.config = config;
  }

  get configured(): CallbackConfig | null {
    return this.config;
  }

  /** Waits until every queued event was delivered or given up. */
  idle(): Promise<void> {
    return this.queue;
  }

  onDirectoryChange(change: DirectoryChange): void {
    const fields = this.config ? changeFields(change, this.config.reduced ?? false) : null;
    if (fields) this.enqueue(change.type, fields);
  }

  tagChanged(tag: TagChange): void {
    if (!this.config) return;
    this.enqueue('update_tag', [
      ['TagId', tag.tagId],
      ['AddUserItems', (tag.addUsers ?? []).join(',')],
      ['DelUserItems', (tag.delUsers ?? []).join(',')],
      ['AddPartyItems', (tag.addParties ?? []).join(',')],
      ['DelPartyItems', (tag.delParties ?? []).join(',')],
    ]);
  }

  /** The URL-verification handshake WeCom makes when an admin saves the callback URL. */
  async verifyUrl(): Promise<{ ok: boolean; status: number; answer: string }> {
    const cfg = this.requireConfig();
    const crypto = new CallbackCrypto(cfg.token, cfg.encodingAesKey, this.corpId);
    const plain = String(Math.floor(Math.random() * 1e18));
    const echostr = crypto.encrypt(plain);
    const url = signedUrl(cfg.url, crypto, echostr);
    url.searchParams.set('echostr', echostr);
    const res = await fetch(url, { signal: AbortSignal.timeout(cfg.timeoutMs ?? 5000) });
    const answer = await res.text();
    return { ok: res.status === 200 && answer === plain, status: res.status, answer };
  }

  private enqueue(changeType: string, fields: Field[]): void {
    const xml = eventXml(this.corpId, changeType, fields);
    const config = this.config!;
    this.queue = this.queue.then(() => this.deliver(config, changeType, xml));
  }

  private async deliver(cfg: CallbackConfig, changeType: string, xml: string): Promise<void> {
    const crypto = new CallbackCrypto(cfg.token, cfg.encodingAesKey, this.corpId);
    const delivery: Delivery = { changeType, xml, attempts: 0, delivered: false, lastStatus: 0 };
    this.deliveries.push(delivery);
    const attempts = cfg.attempts ?? 3;
    while (delivery.attempts < attempts && !delivery.delivered) {
      delivery.attempts += 1;
      const encrypted = crypto.encrypt(xml);
      const url = signedUrl(cfg.url, crypto, encrypted);
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'text/xml' },
          body: `<xml><ToUserName><![CDATA[${this.corpId}]]></ToUserName><AgentID><![CDATA[]]></AgentID><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`,
          signal: AbortSignal.timeout(cfg.timeoutMs ?? 5000),
        });
        await res.arrayBuffer();
        delivery.lastStatus = res.status;
        delivery.delivered = res.status === 200;
      } catch (error) {
        delivery.lastStatus = (error as Error).name === 'TimeoutError' ? 'timeout' : 'unreachable';
      }
      if (!delivery.delivered && delivery.attempts < attempts) await new Promise((r) => setTimeout(r, cfg.retryDelayMs ?? 200));
    }
  }

  private requireConfig(): CallbackConfig {
    if (!this.config) throw new Error('no callback URL is configured');
    return this.config;
  }
}

function changeFields(change: DirectoryChange, reduced: boolean): Field[] | null {
  switch (change.type) {
    case 'create_user':
      return reduced ? reducedMember(change.member) : fullMember(change.member);
    case 'update_user': {
      const id: Field[] = [['UserID', change.previousUserid ?? change.member.userid]];
      if (change.previousUserid) id.push(['NewUserID', change.member.userid]);
      const rest = (reduced ? reducedMember(change.member) : fullMember(change.member)).filter(([k]) => k !== 'UserID');
      return [...id, ...rest];
    }
    case 'delete_user':
      return [['UserID', change.userid]];
    case 'create_party':
      return reduced
        ? [
            ['Id', change.department.id],
            ['ParentId', String(change.department.parentid)],
          ]
        : [
            ['Id', change.department.id],
            ['Name', change.department.name],
            ['ParentId', String(change.department.parentid)],
            ['Order', change.department.order],
          ];
    case 'update_party':
      // After 2022-08-15 only a parent change is reported.
      if (reduced)
        return change.parentChanged
          ? [
              ['Id', change.department.id],
              ['ParentId', String(change.department.parentid)],
            ]
          : null;
      return [
        ['Id', change.department.id],
        ['Name', change.department.name],
        ['ParentId', String(change.department.parentid)],
      ];
    case 'delete_party':
      return [['Id', change.id]];
  }
}

function reducedMember(m: EmuMember): Field[] {
  return [
    ['UserID', m.userid],
    ['Department', m.department.join(',')],
  ];
}

function fullMember(m: EmuMember): Field[] {
  return [
    ['UserID', m.userid],
    ['Name', m.name],
    ['Department', m.department.join(',')],
    ['MainDepartment', m.main_department],
    ['IsLeaderInDept', m.is_leader_in_dept.join(',')],
    ['DirectLeader', m.direct_leader.join(',')],
    ['Position', m.position],
    ['Mobile', m.mobile],
    ['Gender', Number(m.gender)],
    ['Email', m.email],
    ['BizMail', m.biz_mail],
    ['Status', m.status],
    ['Avatar', m.avatar],
    ['Alias', m.alias],
    ['Telephone', m.telephone],
    ['Address', m.address],
  ];
}

/** Strings in CDATA, numbers bare, as WeCom sends them. */
export function eventXml(corpId: string, changeType: string, fields: Field[]): string {
  const cdata = (v: string) => `<![CDATA[${v.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
  const body = fields.map(([k, v]) => `<${k}>${typeof v === 'number' ? v : cdata(v)}</${k}>`).join('');
  return `<xml><ToUserName>${cdata(corpId)}</ToUserName><FromUserName>${cdata('sys')}</FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType>${cdata('event')}</MsgType><Event>${cdata('change_contact')}</Event><ChangeType>${cdata(changeType)}</ChangeType>${body}</xml>`;
}

/** The callback URL with WeCom's query: a fresh timestamp and nonce, and the signature over them and `encrypted`. */
export function signedUrl(base: string, crypto: CallbackCrypto, encrypted: string): URL {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(8).toString('hex');
  const url = new URL(base);
  url.searchParams.set('msg_signature', crypto.signature(timestamp, nonce, encrypted));
  url.searchParams.set('timestamp', timestamp);
  url.searchParams.set('nonce', nonce);
  return url;
}
