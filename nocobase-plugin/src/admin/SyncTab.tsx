import React, { useEffect, useState } from 'react';
import { Alert, Button, Modal, Progress, Space, Tag, Typography } from 'antd';
import type { AdminContext, Loaded } from './admin-context';
import { asBridgeError, ErrorAlert, PagedTable, useLoad } from './admin-context';
import type { BridgeError } from './bridge-api';
import { RunItemsDrawer } from './RunItemsDrawer';
import { RunsChart } from './RunsChart';
import { ScheduleCard } from './ScheduleCard';
import type { AuthenticatorCheck } from './SetupTab';
import { countEntries, formatDuration, formatTime, isActive, progressPercent, stoppedByGuard, type RunView } from './run-format';

const PAGE_SIZE = 10;
const POLL_MS = 700;
const STATUS_COLORS: Record<RunView['status'], string> = {
  queued: 'default',
  running: 'processing',
  succeeded: 'success',
  partial: 'warning',
  aborted: 'warning',
  failed: 'error',
};

/** Sync runs: preview, sync now, live progress, the runs and their items, run anyway, the schedule. */
export function SyncTab({ ctx, check }: { ctx: AdminContext; check: Loaded<AuthenticatorCheck> }) {
  const { api, name, t } = ctx;
  const [page, setPage] = useState(1);
  const [refreshed, setRefreshed] = useState(0);
  const [active, setActive] = useState<RunView | null>(null);
  const [opened, setOpened] = useState<RunView | null>(null);
  const [actionError, setActionError] = useState<BridgeError | null>(null);
  const runs = useLoad(() => api.get<RunView[]>('/api/admin/sync-runs', { authenticator: name, page, pageSize: PAGE_SIZE }), `${name}|${page}|${refreshed}`);

  // A run already going when the page opens (a schedule, the CLI, another admin) is followed too.
  const going = runs.data?.data.find(isActive);
  useEffect(() => {
    if (going && !active) setActive(going);
  }, [going?.id]);

  useEffect(() => {
    if (!active || !isActive(active)) return;
    const timer = setTimeout(async () => {
      try {
        const { data } = await api.get<RunView>(`/api/admin/sync-runs/${active.id}`, { pageSize: 1 });
        setActive(data);
        if (!isActive(data)) {
          setRefreshed((n) => n + 1);
          if (data.dryRun) setOpened(data);
        }
      } catch (error) {
        setActionError(asBridgeError(error));
        setActive(null);
      }
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [active]);

  async function start(options: { dryRun?: boolean; force?: boolean }) {
    setActionError(null);
    try {
      const { data } = await api.post<RunView & { alreadyRunning: boolean }>('/api/admin/sync-runs', { authenticator: name, ...options });
      setActive(data);
      setRefreshed((n) => n + 1);
    } catch (error) {
      setActionError(asBridgeError(error));
    }
  }

  const confirmSync = () =>
    Modal.confirm({
      title: t('Sync the WeCom directory into NocoBase now?'),
      content: t('Users and departments are created, updated and suspended as WeCom has them. A preview shows what would change first.'),
      okText: t('Sync now'),
      cancelText: t('Cancel'),
      onOk: () => start({}),
    });
  const confirmRunAnyway = (run: RunView) =>
    Modal.confirm({
      title: t('Apply run #{{id}} even though the guard stopped it?', { id: String(run.id) }),
      content: (
        <Space direction="vertical">
          <Typography.Text strong>{run.error?.message}</Typography.Text>
          <span>{t('The members it names will be offboarded as configured. Check its items first.')}</span>
        </Space>
      ),
      okText: t('Run anyway'),
      okButtonProps: { danger: true },
      cancelText: t('Cancel'),
      onOk: () => start({ force: true }),
    });

  const busy = Boolean(active && isActive(active));
  const percent = active ? progressPercent(active) : null;
  return (
    <div data-wecom-admin-tab="sync">
      <Space style={{ marginBottom: 16 }} wrap>
        <Button onClick={() => start({ dryRun: true })} disabled={busy} data-wecom-admin-action="preview">
          {t('Preview (dry run)')}
        </Button>
        <Button type="primary" onClick={confirmSync} disabled={busy} data-wecom-admin-action="sync-now">
          {t('Sync now')}
        </Button>
        <Button onClick={() => setRefreshed((n) => n + 1)} loading={runs.loading}>
          {t('Refresh')}
        </Button>
      </Space>
      <ErrorAlert error={actionError} />
      {active ? (
        <Alert
          style={{ marginBottom: 16 }}
          type={busy ? 'info' : active.status === 'succeeded' ? 'success' : 'warning'}
          data-wecom-admin-active-run={active.id}
          data-status={active.status}
          message={`${t('Run #{{id}}', { id: String(active.id) })}${active.dryRun ? ` (${t('dry run')})` : ''}: ${active.status}${busy && active.phase ? ` · ${active.phase}` : ''}`}
          description={
            <Space direction="vertical" style={{ width: '100%' }}>
              <Progress
                percent={percent ?? 0}
                status={busy ? 'active' : active.status === 'succeeded' ? 'success' : 'exception'}
                format={() => (busy ? (percent === null ? t('reading WeCom…') : progressLabel(ctx, active)) : active.status)}
                data-wecom-admin-progress={percent ?? -1}
              />
              {!busy ? <Counts ctx={ctx} run={active} /> : null}
            </Space>
          }
        />
      ) : null}
      <ScheduleCard ctx={ctx} check={check} />
      <ErrorAlert error={runs.error} />
      <RunsChart runs={runs.data?.data ?? []} t={t} />
      <PagedTable
        rows={runs.data?.data}
        count={runs.data?.meta?.count}
        page={page}
        pageSize={PAGE_SIZE}
        onPage={setPage}
        loading={runs.loading && !runs.data}
        data-wecom-admin-runs=""
        columns={[
          { title: '#', dataIndex: 'id', width: 60 },
          {
            title: t('Status'),
            dataIndex: 'status',
            render: (s: RunView['status'], r: RunView) => (
              <Space size={4}>
                <Tag color={STATUS_COLORS[s]}>{s}</Tag>
                {r.dryRun ? <Tag>{t('dry run')}</Tag> : null}
                {r.force ? <Tag color="orange">{t('forced')}</Tag> : null}
              </Space>
            ),
          },
          { title: t('Trigger'), dataIndex: 'trigger' },
          { title: t('Started'), dataIndex: 'startedAt', render: formatTime },
          { title: t('Duration'), dataIndex: 'durationMs', render: formatDuration },
          { title: t('Changes'), render: (_: unknown, r: RunView) => <Counts ctx={ctx} run={r} /> },
          { title: t('WeCom calls'), dataIndex: 'apiCalls' },
          { title: t('Rows written'), dataIndex: 'rowsWritten' },
          {
            title: t('Error / stopped because'),
            render: (_: unknown, r: RunView) =>
              r.error ? <Typography.Text type={stoppedByGuard(r) ? 'warning' : 'danger'}>{r.error.message}</Typography.Text> : null,
          },
          {
            title: '',
            render: (_: unknown, r: RunView) => (
              <Space>
                <Button size="small" onClick={() => setOpened(r)} data-wecom-admin-open-items={r.id}>
                  {t('Items')}
                </Button>
                {stoppedByGuard(r) ? (
                  <Button size="small" danger onClick={() => confirmRunAnyway(r)} disabled={busy} data-wecom-admin-run-anyway={r.id}>
                    {t('Run anyway')}
                  </Button>
                ) : null}
              </Space>
            ),
          },
        ]}
      />
      {opened ? <RunItemsDrawer ctx={ctx} run={opened} onClose={() => setOpened(null)} /> : null}
    </div>
  );
}

function progressLabel({ t }: AdminContext, run: RunView): string {
  const read = run.progress.read;
  if (!read?.total) return `${run.progress.done} / ${run.progress.total}`;
  return t('{{read}} / {{departments}} departments read, {{members}} members handled', {
    read: String(read.done),
    departments: String(read.total),
    members: String(run.progress.done),
  });
}

function Counts({ ctx, run }: { ctx: AdminContext; run: RunView }) {
  if (isActive(run)) return <Typography.Text type="secondary">…</Typography.Text>;
  const entries = countEntries(run.counts);
  if (!entries.length) return <Typography.Text type="secondary">{ctx.t('no changes')}</Typography.Text>;
  return (
    <Space size={4} wrap data-wecom-admin-counts={run.id}>
      {entries.map((e) => (
        <Tag key={`${e.kind}-${e.action}`} color={e.kind === 'failed' || e.kind === 'conflicts' ? 'error' : undefined}>
          {e.kind === 'members' || e.kind === 'departments' ? `${ctx.t(e.kind)} ${e.action}` : ctx.t(e.kind)} {e.n}
        </Tag>
      ))}
    </Space>
  );
}
