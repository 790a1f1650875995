import React from 'react';
import { Alert, Button, Descriptions, Space, Tag, Typography } from 'antd';
import type { AdminContext, Loaded } from './admin-context';
import { ErrorAlert } from './admin-context';
import { formatTime } from './run-format';

export type CredentialCheck =
  | { configured: false }
  | { configured: true; ok: true; departments: number }
  | { configured: true; ok: false; code: string; errcode: number | null; message: string };

/** `GET /api/admin/authenticators/:name/check`. */
export interface AuthenticatorCheck {
  authenticator: string;
  enabled: boolean;
  declaredByEnv: boolean;
  credentials: { app: CredentialCheck; contactSync: CredentialCheck };
  callback: {
    configured: boolean;
    urlVerifiedAt: string | null;
    lastEventAt: string | null;
    lastRefusedAt: string | null;
    lastRefusal: string | null;
    pendingEvents: number;
  };
  schedule: { cron: string | null; problem: string | null; nextRuns: string[] };
  wecomConsole: { trustedDomain: string; redirectUri: string; workbenchHomepage: string; eventsUrl: string };
  recentWecomErrors: Array<{ at: string; code: string; message: string | null; source: 'login' | 'sync' }>;
}

function Credential({ t, check }: { t: AdminContext['t']; check: CredentialCheck }) {
  if (!check.configured) return <Tag>{t('not configured')}</Tag>;
  if (check.ok) return <Tag color="success">{t('token OK, reads {{n}} departments', { n: String(check.departments) })}</Tag>;
  return (
    <Space direction="vertical">
      <Tag color="error">{check.code}</Tag>
      <Typography.Text type="danger">{check.message}</Typography.Text>
    </Space>
  );
}

const Copy = ({ value }: { value: string }) => (
  <Typography.Text copyable code>
    {value}
  </Typography.Text>
);

/** Connection and setup: is the bridge reachable, do the secrets work, is the callback verified, what to paste into WeCom. */
export function SetupTab({ ctx, check, bridgeUrl }: { ctx: AdminContext; check: Loaded<AuthenticatorCheck>; bridgeUrl: string }) {
  const { t } = ctx;
  const c = check.data;
  return (
    <div data-wecom-admin-tab="setup">
      <Space style={{ marginBottom: 16 }}>
        <Button onClick={check.reload} loading={check.loading} data-wecom-admin-action="recheck">
          {t('Check again')}
        </Button>
      </Space>
      <ErrorAlert error={check.error} />
      {c ? (
        <>
          <Alert
            type={c.enabled ? 'success' : 'warning'}
            showIcon
            style={{ marginBottom: 16 }}
            message={
              c.enabled
                ? t('The bridge at {{url}} answers for “{{name}}”.', { url: bridgeUrl, name: c.authenticator })
                : t('“{{name}}” is disabled on the bridge: members cannot log in with it.', { name: c.authenticator })
            }
          />
          {c.recentWecomErrors.map((e) => (
            <Alert
              key={`${e.source}-${e.code}`}
              type="warning"
              showIcon
              style={{ marginBottom: 8 }}
              data-wecom-admin-wecom-error={e.code}
              message={`${e.source === 'login' ? t('Login') : t('Sync')} · ${e.code} · ${formatTime(e.at)}`}
              description={e.message}
            />
          ))}
          <Descriptions bordered size="small" column={1} title={t('WeCom credentials')} style={{ marginBottom: 24 }}>
            <Descriptions.Item label={t('App secret (login)')}>
              <Credential t={t} check={c.credentials.app} />
            </Descriptions.Item>
            <Descriptions.Item label={t('Contact-sync secret')}>
              <Credential t={t} check={c.credentials.contactSync} />
            </Descriptions.Item>
          </Descriptions>
          <Descriptions bordered size="small" column={1} title={t('Contact-change callback')} style={{ marginBottom: 24 }}>
            <Descriptions.Item label={t('Token / EncodingAESKey')}>
              {c.callback.configured ? (
                <Tag color="success">{t('set')}</Tag>
              ) : (
                <Tag color="warning">{t('not set: contact changes wait for the next sync')}</Tag>
              )}
            </Descriptions.Item>
            <Descriptions.Item label={t('URL verified by WeCom')}>{formatTime(c.callback.urlVerifiedAt)}</Descriptions.Item>
            <Descriptions.Item label={t('Last event')}>{formatTime(c.callback.lastEventAt)}</Descriptions.Item>
            <Descriptions.Item label={t('Events waiting')}>{c.callback.pendingEvents}</Descriptions.Item>
            {c.callback.lastRefusal ? (
              <Descriptions.Item label={t('Last refused callback')}>
                <Typography.Text type="danger">
                  {formatTime(c.callback.lastRefusedAt)} · {c.callback.lastRefusal}
                </Typography.Text>
              </Descriptions.Item>
            ) : null}
          </Descriptions>
          <Descriptions bordered size="small" column={1} title={t('Values for the WeCom admin console')} data-wecom-admin-console="">
            <Descriptions.Item label={t('Trusted domain (网页授权及JS-SDK, 企业微信授权登录)')}>
              <Copy value={c.wecomConsole.trustedDomain} />
            </Descriptions.Item>
            <Descriptions.Item label={t('OAuth redirect URI')}>
              <Copy value={c.wecomConsole.redirectUri} />
            </Descriptions.Item>
            <Descriptions.Item label={t('Workbench homepage (desktop and mobile, 应用主页)')}>
              <Copy value={c.wecomConsole.workbenchHomepage} />
            </Descriptions.Item>
            <Descriptions.Item label={t('Callback URL (通讯录同步 → 接收事件服务器)')}>
              <Copy value={c.wecomConsole.eventsUrl} />
            </Descriptions.Item>
          </Descriptions>
        </>
      ) : null}
    </div>
  );
}
