import request from 'supertest';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { startEmulator, type WecomEmulator } from '../../tools/emulator';
import { createTestApp, NO_THROTTLE, type TestApp } from '../utils/create-test-app';
import { emulatorEnv } from '../utils/emulator-env';
import { CapturingLogger } from '../utils/log-capture';
import { createTestDatabase, type TestDatabase } from '../utils/test-database';
import { TEST_ADMIN_KEY, TEST_CALLBACK } from '../utils/test-config';

const CALLBACK = { WECOM_CALLBACK_TOKEN: TEST_CALLBACK.token, WECOM_CALLBACK_AES_KEY: TEST_CALLBACK.encodingAesKey };

/**
 * Issue #14, finding 4: input from outside that used to end in a 500 with an ERROR stack. Each
 * must be a clear 4xx, in NocoBase's error envelope, and log nothing at ERROR level.
 */
describe('bad input from outside', () => {
  let db: TestDatabase;
  let emu: WecomEmulator;
  let bridge: TestApp;
  const logger = new CapturingLogger();
  const http = () => request(bridge.app.getHttpServer());
  const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };

  beforeAll(async () => {
    db = await createTestDatabase();
    emu = await startEmulator({ port: 0, members: 3, departments: 2 });
    bridge = await createTestApp(db, { BRIDGE_ADMIN_API_KEY: TEST_ADMIN_KEY, ...NO_THROTTLE, ...emulatorEnv(emu), ...CALLBACK }, undefined, { logger });
    await http()
      .post('/api/admin/authenticators')
      .set(admin)
      .send({ name: 'editable', title: 'Editable', corpId: 'wweditable', agentId: '1', secret: 'editable-secret', origin: 'https://e.example.com' })
      .expect(201);
  });
  afterEach(() => expect(logger.takeErrors()).toEqual([]));
  afterAll(async () => {
    await bridge?.close();
    await emu?.close();
    await db?.drop();
  });

  /** The status, and the error code when the answer is NocoBase's JSON error envelope. */
  async function answer(req: request.Test): Promise<[number, string | undefined]> {
    const res = await req;
    if (res.status >= 400) expect(res.headers['content-type']).toMatch(/^application\/json/);
    return [res.status, res.body?.errors?.[0]?.code];
  }

  describe('request bodies, on every route', () => {
    const routes = ['/health/live', '/api/wecom/wecom/events', '/api/admin/authenticators'];

    it.each(routes)('%s: JSON over 100 kB is 413', async (route) => {
      const body = JSON.stringify({ title: 'x'.repeat(101 * 1024) });
      expect(await answer(http().post(route).set(admin).set('Content-Type', 'application/json').send(body))).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    });

    it.each(routes)('%s: more than 1,000 urlencoded parameters is 413', async (route) => {
      const body = Array.from({ length: 1001 }, (_, i) => `p${i}=1`).join('&');
      expect(await answer(http().post(route).set(admin).set('Content-Type', 'application/x-www-form-urlencoded').send(body))).toEqual([
        413,
        'PAYLOAD_TOO_LARGE',
      ]);
    });

    it.each(routes)('%s: an unknown charset is 415', async (route) => {
      expect(await answer(http().post(route).set(admin).set('Content-Type', 'application/json; charset=utf-999').send('{}'))).toEqual([
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ]);
    });

    it.each(routes.flatMap((route) => ['gzip', 'deflate', 'br'].map((encoding) => [route, encoding])))(
      '%s: a broken %s body is 400',
      async (route, encoding) => {
        expect(
          await answer(http().post(route).set(admin).set('Content-Type', 'application/json').set('Content-Encoding', encoding).send('not compressed')),
        ).toEqual([400, 'BAD_REQUEST']);
      },
    );

    it('accepts a well-compressed body', async () => {
      const json = JSON.stringify({ authenticator: 'nope' });
      for (const [encoding, body] of [
        ['gzip', gzipSync(json)],
        ['deflate', deflateSync(json)],
        ['br', brotliCompressSync(json)],
      ] as const) {
        // superagent would serialise a Buffer as JSON under this content type.
        const res = await http()
          .post('/api/admin/sync-runs')
          .set(admin)
          .set('Content-Type', 'application/json')
          .set('Content-Encoding', encoding)
          .serialize((b: Buffer) => b as unknown as string)
          .send(body);
        expect([encoding, res.status]).toEqual([encoding, 404]);
      }
    });

    it('text/xml over 1 MB to the events URL is 413', async () => {
      expect(
        await answer(
          http()
            .post('/api/wecom/wecom/events')
            .set('Content-Type', 'text/xml')
            .send(`<xml>${'x'.repeat(1024 * 1024)}</xml>`),
        ),
      ).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    });

    it('malformed JSON is 400', async () => {
      expect(await answer(http().post('/api/admin/sync-runs').set(admin).set('Content-Type', 'application/json').send('{"authenticator":'))).toEqual([
        400,
        'BAD_REQUEST',
      ]);
    });
  });

  describe('authenticator names from the URL', () => {
    it.each(['%00', 'wecom%00', '%00wecom', 'WECOM', 'x'.repeat(300), '%E2%80%AE', '..'])('%# is simply not found, on all five public routes', async (name) => {
      for (const [method, path] of [
        ['get', `/api/wecom/${name}/login`],
        ['get', `/api/wecom/${name}/auth-url`],
        ['get', `/api/wecom/${name}/callback?code=x&state=y`],
        ['get', `/api/wecom/${name}/events?echostr=x`],
        ['post', `/api/wecom/${name}/events`],
        ['get', `/api/wecom/authenticators/${name}`],
      ] as const) {
        expect([path, ...(await answer(http()[method](path)))]).toEqual([path, 404, 'AUTHENTICATOR_NOT_FOUND']);
      }
    });

    it('and on the admin routes', async () => {
      for (const [method, path] of [
        ['get', '/api/admin/authenticators/%00'],
        ['patch', '/api/admin/authenticators/wecom%00'],
        ['delete', '/api/admin/authenticators/%00'],
      ] as const) {
        expect([path, ...(await answer(http()[method](path).set(admin).send({})))]).toEqual([path, 404, 'AUTHENTICATOR_NOT_FOUND']);
      }
      // In a body or a query, a name with a control character is refused by validation.
      expect(await answer(http().post('/api/admin/sync-runs').set(admin).send({ authenticator: 'wecom\u0000' }))).toEqual([400, 'BAD_REQUEST']);
      expect(await answer(http().get('/api/admin/sync-runs').query({ authenticator: '\u0000' }).set(admin))).toEqual([400, 'BAD_REQUEST']);
      expect(await answer(http().get('/api/admin/bindings').query({ authenticator: 'a\u0000' }).set(admin))).toEqual([400, 'BAD_REQUEST']);
      expect(await answer(http().get('/api/admin/bindings').query({ authenticator: 'nope' }).set(admin))).toEqual([404, 'AUTHENTICATOR_NOT_FOUND']);
    });
  });

  it.each(['/api/wecom/wecom/login', '/api/wecom/wecom/auth-url', '/api/wecom/auto-login'])('%s: a repeated redirect is 400', async (route) => {
    if (route.includes('auto-login')) await http().patch('/api/admin/authenticators/editable').set(admin).send({ autoLogin: true }).expect(200);
    expect(await answer(http().get(`${route}?redirect=/a&redirect=/b`))).toEqual([400, 'INVALID_REDIRECT']);
  });

  describe('the admin API', () => {
    const patch = (body: Record<string, unknown>) => http().patch('/api/admin/authenticators/editable').set(admin).send(body);

    it.each([{ title: null }, { offboarding: null }, { enabled: null }, { corpId: null }, { origin: null }, { workbenchPath: null }, { autoSignUp: null }])(
      'refuses %p for a column that cannot be empty',
      async (body) => {
        expect(await answer(patch(body))).toEqual([400, 'BAD_REQUEST']);
      },
    );

    it('still clears the optional settings with null', async () => {
      const res = await http()
        .patch('/api/admin/authenticators/editable')
        .set(admin)
        .send({ syncCron: null, bridgeUrl: null, contactSecret: null })
        .expect(200);
      expect(res.body.data).toMatchObject({ syncCron: null, bridgeUrl: null, contactSecretSet: false });
    });

    it.each([
      ['title', 'a\u0000b'],
      ['workbenchPath', '/admin\u0000'],
      ['nocobaseAuthenticator', 'basic\u0000'],
      ['secret', 'secret\u0000secret'],
      ['contactSecret', 'secret\u0000secret'],
      ['title', 'line\nbreak'],
    ])('refuses a control character in %s', async (field, value) => {
      expect(await answer(patch({ [field]: value }))).toEqual([400, 'BAD_REQUEST']);
    });

    it.each(['secret', 'contactSecret', 'corpId', 'nocobaseAuthenticator', 'workbenchPath', 'syncCron', 'title', 'origin', 'bridgeUrl'])(
      'refuses 99 kB in %s',
      async (field) => {
        const value =
          field === 'workbenchPath'
            ? `/${'a'.repeat(99 * 1024)}`
            : field.endsWith('rl') || field === 'origin'
              ? `https://${'a'.repeat(99 * 1024)}.com`
              : 'a'.repeat(99 * 1024);
        expect(await answer(patch({ [field]: value }))).toEqual([400, 'BAD_REQUEST']);
      },
    );

    it('refuses a 1 MB body', async () => {
      expect(
        await answer(
          http()
            .post('/api/admin/authenticators')
            .set(admin)
            .send({ title: 'x'.repeat(1024 * 1024) }),
        ),
      ).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    });

    it.each(['9223372036854775808', '99999999999999999999', '-1', '0', '1.5', '%00', 'abc'])('refuses the id %s', async (id) => {
      expect(await answer(http().get(`/api/admin/sync-runs/${id}`).set(admin))).toEqual([400, 'BAD_REQUEST']);
      expect(await answer(http().delete(`/api/admin/bindings/${id}`).set(admin))).toEqual([400, 'BAD_REQUEST']);
    });

    it.each([
      ['/api/admin/sync-runs', { page: '99999999999999999999' }],
      ['/api/admin/bindings', { page: '99999999999999999999' }],
      ['/api/admin/sync-runs/1', { page: '1e30' }],
      ['/api/admin/bindings', { userId: '99999999999999999999' }],
      ['/api/admin/bindings', { userId: '9223372036854775808' }],
      ['/api/admin/bindings', { userid: 'a\u0000' }],
      ['/api/admin/bindings', { phone: '138\u00000000' }],
      ['/api/admin/bindings', { userid: 'x'.repeat(500) }],
      ['/api/admin/sync-runs/1', { action: 'up\u0000date' }],
      ['/api/admin/bindings', { page: ['1', '2'] }],
    ])('%s refuses query #%#', async (route, query) => {
      expect(await answer(http().get(route).query(query).set(admin))).toEqual([400, 'BAD_REQUEST']);
    });
  });

  it('answers a failed events URL check in JSON, as JSON', async () => {
    const res = await http().get('/api/wecom/wecom/events?msg_signature=bad&timestamp=1&nonce=2&echostr=abcd');
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.errors[0].code).toBe('CALLBACK_SIGNATURE_INVALID');
  });
});
