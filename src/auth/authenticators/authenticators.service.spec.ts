import type { AppConfig } from '../../config/app-config';
import type { SecretBox } from '../../common/crypto/secret-box';
import type { DatabaseNotifications, NotificationHandler } from '../../database/database-notifications';
import { AUTHENTICATORS_CHANNEL } from '../../database/migrations/1764892800000-AuthenticatorChangeNotify';
import type { Authenticator } from './authenticator';
import type { AuthenticatorsRepository } from './authenticators.repository';
import { AuthenticatorsService } from './authenticators.service';

/** The cache's rules, with the table and the listening connection played by hand. */
function setUp() {
  let rows: Array<Partial<Authenticator>> = [{ id: 1, name: 'wecom', enabled: true, autoLogin: false }];
  const reads: Array<(value: Authenticator[]) => void> = [];
  let manual = false;
  const repository = {
    list: jest.fn(() => {
      const snapshot = rows.map((r) => ({ ...r })) as Authenticator[];
      return manual ? new Promise<Authenticator[]>((resolve) => reads.push(() => resolve(snapshot))) : Promise.resolve(snapshot);
    }),
    delete: jest.fn(async () => true),
  };
  const handlers: NotificationHandler[] = [];
  const notifications = {
    live: true,
    subscribe: (channel: string, handler: NotificationHandler) => channel === AUTHENTICATORS_CHANNEL && handlers.push(handler),
  };
  const config = { database: { bridgeSchema: 'wecom_bridge' } } as AppConfig;
  const service = new AuthenticatorsService(
    repository as unknown as AuthenticatorsRepository,
    config,
    {} as SecretBox,
    notifications as unknown as DatabaseNotifications,
  );
  return {
    service,
    repository,
    notifications,
    notify: (payload: string | null) => handlers.forEach((h) => h(payload)),
    setRows: (next: Array<Partial<Authenticator>>) => (rows = next),
    holdReads: () => (manual = true),
    finishReads: () => reads.splice(0).forEach((finish) => finish([])),
  };
}

describe('AuthenticatorsService cache', () => {
  it('reads the table once while nothing changes, for found and unknown names alike', async () => {
    const t = setUp();
    expect((await t.service.getEnabled('wecom')).id).toBe(1);
    await expect(t.service.getEnabled('nope')).rejects.toMatchObject({ code: 'AUTHENTICATOR_NOT_FOUND' });
    await t.service.listEnabled();
    expect(t.repository.list).toHaveBeenCalledTimes(1);
  });

  it("reads again after a change announced for its schema, not another bridge's", async () => {
    const t = setUp();
    await t.service.getEnabled('wecom');
    t.notify('other_schema');
    await t.service.getEnabled('wecom');
    expect(t.repository.list).toHaveBeenCalledTimes(1);
    t.setRows([{ id: 1, name: 'wecom', enabled: false }]);
    t.notify('wecom_bridge');
    await expect(t.service.getEnabled('wecom')).rejects.toMatchObject({ code: 'AUTHENTICATOR_NOT_FOUND' });
    expect(t.repository.list).toHaveBeenCalledTimes(2);
  });

  it('reads again after the listening connection came back (what changed meanwhile was not heard)', async () => {
    const t = setUp();
    await t.service.getEnabled('wecom');
    t.notify(null);
    await t.service.getEnabled('wecom');
    expect(t.repository.list).toHaveBeenCalledTimes(2);
  });

  it('caches nothing while changes cannot be heard', async () => {
    const t = setUp();
    t.notifications.live = false;
    await t.service.getEnabled('wecom');
    await t.service.getEnabled('wecom');
    expect(t.repository.list).toHaveBeenCalledTimes(2);
  });

  it('does not keep a read that a change overtook', async () => {
    const t = setUp();
    t.holdReads();
    const first = t.service.listEnabled();
    t.notify('wecom_bridge'); // committed while the read was in flight: it may hold the old row
    t.finishReads();
    await first;
    const second = t.service.listEnabled();
    t.finishReads();
    await second;
    expect(t.repository.list).toHaveBeenCalledTimes(2);
  });

  it('drops its copy at its own writes without waiting for their announcement', async () => {
    const t = setUp();
    await t.service.getEnabled('wecom');
    jest.spyOn(t.service, 'get').mockResolvedValue({ declaredByEnv: false } as Authenticator);
    await t.service.remove('wecom');
    t.setRows([]);
    (t.service.get as jest.Mock).mockRestore();
    await expect(t.service.getEnabled('wecom')).rejects.toMatchObject({ code: 'AUTHENTICATOR_NOT_FOUND' });
  });

  it('shares one read among concurrent requests', async () => {
    const t = setUp();
    await Promise.all([t.service.getEnabled('wecom'), t.service.getEnabled('wecom'), t.service.getAutoLogin().catch(() => null)]);
    expect(t.repository.list).toHaveBeenCalledTimes(1);
  });
});
