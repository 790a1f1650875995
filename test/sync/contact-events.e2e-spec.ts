import request from 'supertest';
import { randomBytes } from 'node:crypto';
import { startEmulator, type WecomEmulator } from '../../tools/emulator';
import { eventXml } from '../../tools/emulator/callbacks';
import { CallbackCrypto } from '../../src/wecom/callback-crypto';
import { NocobaseSchema } from '../../src/nocobase/schema/nocobase-schema';
import { ContactEventsRepository } from '../../src/sync/events/contact-events.repository';
import { ContactEventsService } from '../../src/sync/events/contact-events.service';
import { DirectoryFetcher } from '../../src/sync/fetch/directory-fetcher.service';
import { SyncService } from '../../src/sync/sync.service';
import { createTestApp, type TestApp } from '../utils/create-test-app';
import { emulatorEnv } from '../utils/emulator-env';
import { CapturingLogger } from '../utils/log-capture';
import { createTestDatabase, type TestDatabase } from '../utils/test-database';
import { TEST_ADMIN_KEY, TEST_CALLBACK } from '../utils/test-config';

const CORP = 'wwevents01';

/**
 * Issue #14, finding 5: one bad signed event (a nested <UserID>) crashed its batch's run and all 8
 * events were marked processed with the error, a valid update_party among them; a DOCTYPE, a
 * __proto__ tag or a NUL byte was a 500; a rename onto a userid that has a binding threw before
 * the batch was marked, so it was retried forever and blocked every later event.
 */
describe('contact-change events', () => {
  let db: TestDatabase;
  let emu: WecomEmulator;
  let bridge: TestApp;
  let nb: NocobaseSchema;
  const logger = new CapturingLogger();
  const crypto = new CallbackCrypto(TEST_CALLBACK.token, TEST_CALLBACK.encodingAesKey, CORP);
  const http = () => request(bridge.app.getHttpServer());
  const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };
  const events = () => bridge.app.get(ContactEventsService);

  /** POSTs `xml` as WeCom would: encrypted and signed, at `timestamp`. */
  function deliver(xml: string, timestamp = Math.floor(Date.now() / 1000)) {
    const encrypted = crypto.encrypt(xml);
    const nonce = randomBytes(6).toString('hex');
    const signature = crypto.signature(String(timestamp), nonce, encrypted);
    return http()
      .post(`/api/wecom/wecom/events?msg_signature=${signature}&timestamp=${timestamp}&nonce=${nonce}`)
      .set('Content-Type', 'text/xml')
      .send(`<xml><ToUserName><![CDATA[${CORP}]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`);
  }
  let sequence = 0;
  /** A distinct event each time: WeCom's identical redeliveries (same content, same second) are deduplicated. */
  const event = (changeType: string, fields: Array<[string, string | number]>) => eventXml(CORP, changeType, [...fields, ['Alias', `e${++sequence}`]]);
  const stored = () =>
    db.query<{ change_type: string; processed: boolean; error: string | null; payload: Record<string, string> }>(
      `SELECT change_type, processed_at IS NOT NULL AS processed, error, payload FROM wecom_bridge.contact_events ORDER BY id`,
    );
  async function nickname(userid: string): Promise<string | undefined> {
    const u = nb.columns('users');
    const [row] = await db.query<{ nickname: string }>(
      `SELECT usr.${u.nickname} AS nickname FROM ${nb.table('users')} usr JOIN wecom_bridge.bindings b ON b.nocobase_user_id = usr.${u.id} WHERE b.wecom_userid = $1`,
      [userid],
    );
    return row?.nickname;
  }
  async function departmentTitle(wecomId: number): Promise<string | undefined> {
    const d = nb.columns('departments');
    const [row] = await db.query<{ title: string }>(
      `SELECT dep.${d.title} AS title FROM ${nb.table('departments')} dep JOIN wecom_bridge.department_map m ON m.nocobase_id = dep.${d.id} WHERE m.wecom_id = $1`,
      [wecomId],
    );
    return row?.title;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    emu = await startEmulator({
      port: 0,
      corpId: CORP,
      directory: {
        corpName: 'E',
        departments: [
          { id: 1, name: 'E', parentid: 0 },
          { id: 2, name: 'Sales', parentid: 1 },
        ],
        members: ['m1', 'm2', 'm3', 'm4', 'm5', 'old1', 'taken'].map((userid) => ({ userid, name: `Name ${userid}`, department: [2] })),
      },
    });
    bridge = await createTestApp(
      db,
      {
        BRIDGE_ADMIN_API_KEY: TEST_ADMIN_KEY,
        ...emulatorEnv(emu),
        WECOM_PROVISION_ON_SYNC: 'true',
        WECOM_CALLBACK_TOKEN: TEST_CALLBACK.token,
        WECOM_CALLBACK_AES_KEY: TEST_CALLBACK.encodingAesKey,
      },
      undefined,
      { logger },
    );
    nb = bridge.app.get(NocobaseSchema);
    const started = await http().post('/api/admin/sync-runs').set(admin).send({ authenticator: 'wecom' }).expect(202);
    expect((await bridge.app.get(SyncService).waitFor(started.body.data.id, 50)).status).toBe('succeeded');
  });
  afterEach(() => expect(logger.takeErrors()).toEqual([]));
  afterAll(async () => {
    await bridge?.close();
    await emu?.close();
    await db?.drop();
  });

  it('applies the good events of a batch, and records the bad one as a failure of its own', async () => {
    emu.directory.updateDepartment(2, { name: 'Sales & Marketing' });
    for (const userid of ['m1', 'm2', 'm3']) emu.directory.updateMember(userid, { name: `Renamed ${userid}` });
    const batch = [
      event('update_user', [['UserID', 'm1']]),
      event('update_user', [['UserID', 'm2']]),
      // Two UserIDs in one signed event: this crashed the whole batch's run ("malformed array literal").
      `<xml><ToUserName><![CDATA[${CORP}]]></ToUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>change_contact</Event><ChangeType>update_user</ChangeType><UserID>m4</UserID><UserID>m5</UserID></xml>`,
      `<xml><ToUserName><![CDATA[${CORP}]]></ToUserName><CreateTime>2</CreateTime><MsgType>event</MsgType><Event>change_contact</Event><ChangeType>update_user</ChangeType><UserID><UserID>m4</UserID></UserID></xml>`,
      event('update_party', [
        ['Id', 2],
        ['ParentId', '1'],
      ]),
      event('update_user', [['UserID', 'm3']]),
    ];
    const answers = await Promise.all(batch.map((xml) => deliver(xml)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 400, 400, 200, 200]);
    await events().idle();

    expect(await departmentTitle(2)).toBe('Sales & Marketing');
    expect([await nickname('m1'), await nickname('m2'), await nickname('m3')]).toEqual(['Renamed m1', 'Renamed m2', 'Renamed m3']);
    const rows = await stored();
    // Delivered at once, so stored in any order.
    expect(
      rows
        .filter((r) => r.error === null)
        .map((r) => r.change_type)
        .sort(),
    ).toEqual(['update_party', 'update_user', 'update_user', 'update_user']);
    expect(rows.filter((r) => r.error !== null)).toEqual([
      expect.objectContaining({ processed: true, error: expect.stringContaining('UserID') }),
      expect.objectContaining({ processed: true, error: expect.stringContaining('UserID') }),
    ]);
    expect(logger.at('warn').map((l) => l.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/refused a contact callback .* from .*127\.0\.0\.1/)]),
    );
  });

  it('retries a crashed batch event by event, so only the event that crashes it fails', async () => {
    const fetcher = bridge.app.get(DirectoryFetcher);
    const real = fetcher.fetchMembers.bind(fetcher);
    const spy = jest.spyOn(fetcher, 'fetchMembers').mockImplementation(async (authenticator, userids) => {
      if (userids.includes('m5')) throw new Error('something about m5 breaks the run');
      return real(authenticator, userids);
    });
    try {
      emu.directory.updateMember('m4', { name: 'Renamed m4' });
      const before = (await stored()).length;
      // Stored directly and drained at once: both are certain to share one batch.
      const repository = bridge.app.get(ContactEventsRepository);
      const [{ id: authenticatorId }] = await db.query<{ id: string }>(`SELECT id FROM wecom_bridge.authenticators WHERE name = 'wecom'`);
      for (const userid of ['m4', 'm5'])
        await repository.record(Number(authenticatorId), `crash-${userid}`, 'update_user', { ChangeType: 'update_user', UserID: userid });
      await events().drain(Number(authenticatorId));
      const rows = (await stored()).slice(before);
      expect(rows.map((r) => [r.payload.UserID, r.error === null])).toEqual([
        ['m4', true],
        ['m5', false],
      ]);
      expect(await nickname('m4')).toBe('Renamed m4');
      expect(logger.at('warn').map((l) => l.message)).toContainEqual(expect.stringMatching(/crashed; applying its 2 events one by one/));
      logger.clear(); // the crashes are the bridge's own errors, logged as such
    } finally {
      spy.mockRestore();
    }
  });

  it.each([
    [
      'a DOCTYPE with an external entity',
      `<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><ChangeType>update_user</ChangeType><UserID>&x;</UserID></xml>`,
    ],
    ['a __proto__ tag', `<xml><ChangeType>update_user</ChangeType><__proto__><polluted>1</polluted></__proto__><UserID>m1</UserID></xml>`],
    ['a constructor tag', `<xml><ChangeType>update_user</ChangeType><constructor>x</constructor><UserID>m1</UserID></xml>`],
    ['a NUL byte', `<xml><ChangeType>update_user</ChangeType><UserID>m\u00001</UserID></xml>`],
    ['two messages', `<xml><ChangeType>update_user</ChangeType></xml><xml><ChangeType>update_user</ChangeType></xml>`],
    ['no XML at all', `hello`],
    ['a userid WeCom cannot issue', `<xml><ChangeType>update_user</ChangeType><UserID>m1'; DROP TABLE x</UserID></xml>`],
  ])('refuses %s with a 400, recorded, never a 500', async (_, xml) => {
    const res = await deliver(xml);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].code).toBe('CALLBACK_MALFORMED');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const last = (await stored()).pop()!;
    expect(last).toMatchObject({ processed: true, error: expect.any(String) });
  });

  it('fails a rename onto a userid that already has a binding, audited, and goes on with the next events', async () => {
    emu.directory.updateMember('m1', { name: 'After the rename' });
    expect(
      (
        await deliver(
          event('update_user', [
            ['UserID', 'old1'],
            ['NewUserID', 'taken'],
          ]),
        )
      ).status,
    ).toBe(200);
    expect((await deliver(event('update_user', [['UserID', 'm1']]))).status).toBe(200);
    await events().idle();
    const rows = await stored();
    expect(rows.at(-2)).toMatchObject({ processed: true, error: expect.stringMatching(/old1.*taken.*already/) });
    expect(rows.at(-1)).toMatchObject({ processed: true, error: null });
    expect(await nickname('m1')).toBe('After the rename');
    // Nothing waits any more: the failed rename does not come back.
    const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM wecom_bridge.contact_events WHERE processed_at IS NULL`);
    expect(Number(n)).toBe(0);
    expect(await nickname('old1')).toBe('Name old1');
  });

  it('refuses a signature older than the window, even a correct one', async () => {
    const res = await deliver(event('update_user', [['UserID', 'm2']]), Math.floor(Date.now() / 1000) - 3600);
    expect(res.status).toBe(403);
    expect(res.body.errors[0].code).toBe('CALLBACK_EXPIRED');
  });

  it('logs a refused callback at warn with the caller, and answers in JSON', async () => {
    const res = await http()
      .post('/api/wecom/wecom/events?msg_signature=bad&timestamp=1&nonce=2')
      .set('Content-Type', 'text/xml')
      .send('<xml><Encrypt>abcd</Encrypt></xml>');
    expect(res.status).toBe(403);
    expect(logger.at('warn').map((l) => l.message)).toEqual([
      expect.stringMatching(/refused a contact callback for "wecom" from .*127\.0\.0\.1: CALLBACK_SIGNATURE_INVALID/),
    ]);
    const arrays = await http().get('/api/wecom/wecom/events?msg_signature=a&msg_signature=b&timestamp=1&nonce=2&echostr=x');
    expect(arrays.status).toBe(403);
  });

  it('prunes processed events after their retention', async () => {
    events().pruneEveryMs = 0;
    await db.query(
      `UPDATE wecom_bridge.contact_events SET processed_at = now() - interval '31 days' WHERE id = (SELECT min(id) FROM wecom_bridge.contact_events)`,
    );
    const before = (await stored()).length;
    emu.directory.updateMember('m2', { name: 'Once more' });
    expect((await deliver(event('update_user', [['UserID', 'm2']]))).status).toBe(200);
    await events().idle();
    expect((await stored()).length).toBe(before);
  });
});
