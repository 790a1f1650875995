import React, { useState } from 'react';
import { Input, Space, Tag, Typography } from 'antd';
import type { AdminContext } from './admin-context';
import { ErrorAlert, FilterSelect, PagedTable, useLoad } from './admin-context';
import { formatTime } from './run-format';

interface AuditView {
  id: number;
  at: string;
  wecomUserid: string | null;
  userId: number | null;
  inClient: boolean;
  outcome: 'succeeded' | 'refused' | 'failed';
  code: string;
  message: string | null;
  ip: string | null;
  userAgent: string | null;
}

const PAGE_SIZE = 20;
const COLORS = { succeeded: 'success', refused: 'warning', failed: 'error' } as const;

/** Logins and refusals with their reasons: "why can't X log in?" answered without a database shell. */
export function AuditTab({ ctx }: { ctx: AdminContext }) {
  const { api, name, t } = ctx;
  const [outcome, setOutcome] = useState<string | undefined>();
  const [userid, setUserid] = useState('');
  const [code, setCode] = useState('');
  const [page, setPage] = useState(1);
  const list = useLoad(
    () => api.get<AuditView[]>('/api/admin/login-audit', { authenticator: name, outcome, userid, code, page, pageSize: PAGE_SIZE }),
    `${name}|${outcome}|${userid}|${code}|${page}`,
  );
  return (
    <div data-wecom-admin-tab="audit">
      <Space style={{ marginBottom: 16 }} wrap>
        <FilterSelect
          filter="audit-outcome"
          placeholder={t('Outcome')}
          value={outcome}
          onChange={(v) => (setOutcome(v), setPage(1))}
          options={(['succeeded', 'refused', 'failed'] as const).map((o) => ({ value: o, label: t(o) }))}
        />
        <Input.Search allowClear placeholder={t('WeCom userid')} style={{ width: 200 }} onSearch={(v: string) => (setUserid(v.trim()), setPage(1))} />
        <Input.Search
          allowClear
          placeholder={t('Code, e.g. FIRST_LOGIN_IN_CLIENT')}
          style={{ width: 220 }}
          onSearch={(v: string) => (setCode(v.trim().toUpperCase()), setPage(1))}
        />
      </Space>
      <ErrorAlert error={list.error} />
      <PagedTable
        rows={list.data?.data}
        count={list.data?.meta?.count}
        page={page}
        pageSize={PAGE_SIZE}
        onPage={setPage}
        loading={list.loading}
        data-wecom-admin-audit=""
        columns={[
          { title: t('Reference'), dataIndex: 'id', width: 90, render: (id: number) => `#${id}` },
          { title: t('Time'), dataIndex: 'at', render: formatTime, width: 170 },
          { title: t('Outcome'), dataIndex: 'outcome', width: 100, render: (o: AuditView['outcome']) => <Tag color={COLORS[o]}>{t(o)}</Tag> },
          { title: t('Code'), dataIndex: 'code', width: 200 },
          { title: t('WeCom userid'), dataIndex: 'wecomUserid', render: (u: string | null) => u ?? '—' },
          { title: t('NocoBase user'), dataIndex: 'userId', render: (u: number | null) => (u ? `#${u}` : '—') },
          { title: t('Where'), dataIndex: 'inClient', render: (c: boolean) => (c ? t('WeCom client') : t('browser (QR)')) },
          { title: t('Reason'), dataIndex: 'message', render: (m: string | null) => <Typography.Text style={{ fontSize: 12 }}>{m ?? ''}</Typography.Text> },
          { title: 'IP', dataIndex: 'ip', width: 120 },
        ]}
      />
    </div>
  );
}
