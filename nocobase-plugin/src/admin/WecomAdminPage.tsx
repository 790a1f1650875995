import React, { useEffect, useMemo, useState } from 'react';
import { Alert, Card, Empty, Select, Space, Spin, Tabs, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { AUTH_TYPE_TITLE, bridgeAuthenticatorName, normalizeBridgeUrl } from '../shared/options';
import { adminTranslator } from './admin-locale';
import { useLoad, type AdminContext } from './admin-context';
import { AuditTab } from './AuditTab';
import { BindingsTab, type NocobaseUserOption } from './BindingsTab';
import { bridgeApi } from './bridge-api';
import { SetupTab, type AuthenticatorCheck } from './SetupTab';
import { SyncTab } from './SyncTab';

/** A NocoBase authenticator of type wecom-bridge, as NocoBase's API lists it. */
export interface HostAuthenticator {
  name: string;
  title?: string | null;
  enabled?: boolean;
  options?: { bridgeUrl?: string; bridgeAuthenticator?: string } | null;
}

/** What the page needs from NocoBase, supplied by the classic client or client-v2. */
export interface AdminHost {
  /** The signed-in admin's NocoBase session token: the bridge checks it (root or admin role). */
  token(): string | null;
  /** Has NocoBase renew the session (its token) when the bridge no longer knows it. */
  renew(): Promise<void>;
  listAuthenticators(): Promise<HostAuthenticator[]>;
  searchUsers(text: string): Promise<NocobaseUserOption[]>;
}

/** Settings → WeCom: one bridge authenticator at a time (chosen among NocoBase's wecom-bridge authenticators). */
export function WecomAdminPage({ host }: { host: AdminHost }) {
  const { i18n } = useTranslation();
  const t = useMemo(() => adminTranslator(i18n?.language), [i18n?.language]);
  const [list, setList] = useState<HostAuthenticator[] | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  useEffect(() => {
    host.listAuthenticators().then(setList, (e: Error) => setListError(e.message || String(e)));
  }, []);

  if (listError) return <Alert type="error" showIcon message={t('NocoBase did not list its authenticators')} description={listError} />;
  if (!list) return <Spin />;
  if (!list.length) {
    return (
      <Card>
        <Empty description={t('No WeCom authenticator yet: add one under Authentication → Authenticators, type {{type}}.', { type: AUTH_TYPE_TITLE })} />
      </Card>
    );
  }
  const current = list.find((a) => a.name === selected) ?? list[0];
  return (
    <Card data-wecom-admin-page="">
      <Space style={{ marginBottom: 8 }} wrap>
        {list.length > 1 ? (
          <Select
            value={current.name}
            style={{ width: 260 }}
            onChange={(v: string) => setSelected(v)}
            options={list.map((a) => ({ value: a.name, label: a.title || a.name }))}
          />
        ) : (
          <Typography.Title level={4} style={{ margin: 0 }}>
            {current.title || current.name}
          </Typography.Title>
        )}
      </Space>
      <AuthenticatorPanel key={current.name} host={host} authenticator={current} t={t} />
    </Card>
  );
}

function AuthenticatorPanel({ host, authenticator, t }: { host: AdminHost; authenticator: HostAuthenticator; t: AdminContext['t'] }) {
  const bridgeUrl = normalizeBridgeUrl(authenticator.options?.bridgeUrl);
  const name = bridgeAuthenticatorName(authenticator.options?.bridgeAuthenticator);
  const ctx = useMemo<AdminContext | null>(() => (bridgeUrl ? { api: bridgeApi(bridgeUrl, host), name, t } : null), [bridgeUrl, name, t]);
  const check = useLoad(
    () =>
      ctx
        ? ctx.api.get<AuthenticatorCheck>(`/api/admin/authenticators/${encodeURIComponent(name)}/check`).then((a) => a.data)
        : Promise.reject(new Error('no bridge URL')),
    `${bridgeUrl}|${name}`,
  );
  if (!ctx || !bridgeUrl) {
    return (
      <Alert type="warning" showIcon message={t('“{{name}}” has no bridge URL: set it under Authentication → Authenticators.', { name: authenticator.name })} />
    );
  }
  return (
    <>
      <Typography.Paragraph type="secondary">{t('Bridge {{url}}, authenticator “{{name}}”.', { url: bridgeUrl, name })}</Typography.Paragraph>
      <Tabs
        destroyInactiveTabPane
        items={[
          { key: 'setup', label: t('Connection and setup'), children: <SetupTab ctx={ctx} check={check} bridgeUrl={bridgeUrl} /> },
          { key: 'sync', label: t('Sync'), children: <SyncTab ctx={ctx} check={check} /> },
          { key: 'bindings', label: t('Bindings'), children: <BindingsTab ctx={ctx} searchUsers={host.searchUsers} /> },
          { key: 'audit', label: t('Login audit'), children: <AuditTab ctx={ctx} /> },
        ]}
      />
    </>
  );
}
