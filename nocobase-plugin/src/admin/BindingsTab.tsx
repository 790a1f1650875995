import React, { useState } from 'react';
import { Button, Input, Modal, Select, Space, Tag, Typography } from 'antd';
import type { AdminContext } from './admin-context';
import { asBridgeError, ErrorAlert, PagedTable, useLoad } from './admin-context';
import type { BridgeError } from './bridge-api';
import { formatTime } from './run-format';

export interface BindingView {
  id: number;
  wecomUserid: string;
  userId: number;
  phone: string | null;
  source: 'login' | 'sync' | 'admin';
  firstInClientAuthAt: string | null;
  lastLoginAt: string | null;
  suspendedAt: string | null;
  user: { id: number; nickname: string | null; username: string | null; email: string | null } | null;
}

export interface NocobaseUserOption {
  id: number;
  nickname: string | null;
  username: string | null;
  email: string | null;
}

const PAGE_SIZE = 20;
const userLabel = (u: NocobaseUserOption) => `${u.nickname || u.username || u.email || '?'} (#${u.id})`;

/** Bindings: search, see how each came to be, unbind, and bind a privileged NocoBase user by hand. */
export function BindingsTab({ ctx, searchUsers }: { ctx: AdminContext; searchUsers(text: string): Promise<NocobaseUserOption[]> }) {
  const { api, name, t } = ctx;
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const [refreshed, setRefreshed] = useState(0);
  const [actionError, setActionError] = useState<BridgeError | null>(null);
  const [binding, setBinding] = useState(false);
  const list = useLoad(
    () => api.get<BindingView[]>('/api/admin/bindings', { authenticator: name, q, page, pageSize: PAGE_SIZE }),
    `${name}|${q}|${page}|${refreshed}`,
  );

  const confirmUnbind = (b: BindingView) =>
    Modal.confirm({
      title: t('Unbind {{userid}} from {{user}}?', { userid: b.wecomUserid, user: b.user ? userLabel(b.user) : `#${b.userId}` }),
      content: t(
        'The member can no longer log in with a QR code until a first login inside the WeCom client binds them again (by phone), or an administrator binds them here.',
      ),
      okText: t('Unbind'),
      okButtonProps: { danger: true },
      cancelText: t('Cancel'),
      onOk: async () => {
        setActionError(null);
        try {
          await api.delete(`/api/admin/bindings/${b.id}`);
          setRefreshed((n) => n + 1);
        } catch (error) {
          setActionError(asBridgeError(error));
        }
      },
    });

  return (
    <div data-wecom-admin-tab="bindings">
      <Space style={{ marginBottom: 16 }} wrap>
        <Input.Search
          allowClear
          enterButton={t('Search')}
          placeholder={t('Name, WeCom userid, phone (any spelling) or NocoBase user')}
          style={{ width: 440 }}
          onSearch={(v: string) => (setQ(v.trim()), setPage(1))}
          data-wecom-admin-search=""
        />
        <Button onClick={() => setBinding(true)} data-wecom-admin-action="bind">
          {t('Bind a member by hand…')}
        </Button>
      </Space>
      <ErrorAlert error={actionError ?? list.error} />
      <PagedTable
        rows={list.data?.data}
        count={list.data?.meta?.count}
        page={page}
        pageSize={PAGE_SIZE}
        onPage={setPage}
        loading={list.loading}
        data-wecom-admin-bindings=""
        columns={[
          { title: t('WeCom userid'), dataIndex: 'wecomUserid' },
          {
            title: t('NocoBase user'),
            render: (_: unknown, b: BindingView) =>
              b.user ? (
                userLabel(b.user)
              ) : (
                <Typography.Text type="danger">
                  #{b.userId} ({t('deleted')})
                </Typography.Text>
              ),
          },
          { title: t('Phone'), dataIndex: 'phone', render: (p: string | null) => p ?? '—' },
          {
            title: t('Source'),
            dataIndex: 'source',
            render: (s: string) => <Tag color={s === 'admin' ? 'purple' : s === 'sync' ? 'blue' : 'green'}>{t(s)}</Tag>,
          },
          { title: t('First in-client authorization'), dataIndex: 'firstInClientAuthAt', render: formatTime },
          { title: t('Last login'), dataIndex: 'lastLoginAt', render: formatTime },
          { title: t('Suspended'), dataIndex: 'suspendedAt', render: (s: string | null) => (s ? <Tag color="warning">{formatTime(s)}</Tag> : '—') },
          {
            title: '',
            render: (_: unknown, b: BindingView) => (
              <Button size="small" danger onClick={() => confirmUnbind(b)} data-wecom-admin-unbind={b.wecomUserid}>
                {t('Unbind')}
              </Button>
            ),
          },
        ]}
      />
      {binding ? <BindDialog ctx={ctx} searchUsers={searchUsers} onClose={(bound) => (setBinding(false), bound && setRefreshed((n) => n + 1))} /> : null}
    </div>
  );
}

/** The only way a root or admin account gets a WeCom binding: an administrator names both sides (audited by the bridge). */
function BindDialog({
  ctx,
  searchUsers,
  onClose,
}: {
  ctx: AdminContext;
  searchUsers(text: string): Promise<NocobaseUserOption[]>;
  onClose(bound: boolean): void;
}) {
  const { api, name, t } = ctx;
  const [userid, setUserid] = useState('');
  const [userId, setUserId] = useState<number | undefined>();
  const [options, setOptions] = useState<NocobaseUserOption[]>([]);
  const [error, setError] = useState<BridgeError | null>(null);
  const [saving, setSaving] = useState(false);

  async function bind() {
    setSaving(true);
    setError(null);
    try {
      await api.post('/api/admin/bindings', { authenticator: name, wecomUserid: userid.trim(), userId });
      onClose(true);
    } catch (e) {
      setError(asBridgeError(e));
    } finally {
      setSaving(false);
    }
  }

  return (
    <Modal
      open
      title={t('Bind a WeCom member to a NocoBase user')}
      okText={t('Bind')}
      cancelText={t('Cancel')}
      confirmLoading={saving}
      okButtonProps={{ disabled: !userid.trim() || !userId }}
      onOk={bind}
      onCancel={() => onClose(false)}
    >
      <Space direction="vertical" style={{ width: '100%' }}>
        <Typography.Text type="secondary">
          {t('Root and admin accounts are never bound by phone; bind them here. The member then logs in as this user.')}
        </Typography.Text>
        <Input placeholder={t('WeCom userid')} value={userid} onChange={(e: { target: { value: string } }) => setUserid(e.target.value)} />
        <Select
          showSearch
          filterOption={false}
          placeholder={t('NocoBase user: type a name or email')}
          style={{ width: '100%' }}
          value={userId}
          onChange={(v: number) => setUserId(v)}
          onSearch={async (text: string) => setOptions(text.trim() ? await searchUsers(text.trim()).catch(() => []) : [])}
          options={options.map((u) => ({ value: u.id, label: userLabel(u) }))}
        />
        <ErrorAlert error={error} />
      </Space>
    </Modal>
  );
}
