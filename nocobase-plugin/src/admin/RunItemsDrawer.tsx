import React, { useState } from 'react';
import { Drawer, Space, Tag, Typography } from 'antd';
import type { AdminContext } from './admin-context';
import { ErrorAlert, FilterSelect, PagedTable, useLoad } from './admin-context';
import { describeChanges, type RunItemView, type RunView } from './run-format';

const ACTIONS = ['create', 'update', 'move', 'suspend', 'restore', 'delete', 'rebind', 'mirror', 'forget', 'skip', 'unchanged'];
const OUTCOMES = ['planned', 'applied', 'failed'];
const OUTCOME_COLORS: Record<string, string> = { planned: 'processing', applied: 'success', failed: 'error' };
const PAGE_SIZE = 20;

/** One run's items: what each department and member became (or would become, in a dry run), and why. */
export function RunItemsDrawer({ ctx, run, onClose }: { ctx: AdminContext; run: RunView; onClose(): void }) {
  const { api, t } = ctx;
  const [action, setAction] = useState<string | undefined>();
  const [outcome, setOutcome] = useState<string | undefined>();
  const [page, setPage] = useState(1);
  const items = useLoad(
    () =>
      api.get<RunView & { items: RunItemView[]; itemsMeta: { count: number } }>(`/api/admin/sync-runs/${run.id}`, {
        action,
        outcome,
        page,
        pageSize: PAGE_SIZE,
      }),
    `${run.id}|${action}|${outcome}|${page}`,
  );
  const data = items.data?.data;
  return (
    <Drawer
      open
      width={880}
      onClose={onClose}
      title={t('Run #{{id}}: items', { id: String(run.id) }) + (run.dryRun ? ` (${t('dry run: nothing was written')})` : '')}
    >
      <div data-wecom-admin-items={run.id}>
        <Space style={{ marginBottom: 16 }} wrap>
          <FilterSelect
            filter="action"
            placeholder={t('Action')}
            value={action}
            onChange={(v) => (setAction(v), setPage(1))}
            options={ACTIONS.map((a) => ({ value: a, label: a }))}
          />
          <FilterSelect
            filter="outcome"
            placeholder={t('Outcome')}
            value={outcome}
            onChange={(v) => (setOutcome(v), setPage(1))}
            options={OUTCOMES.map((o) => ({ value: o, label: o }))}
          />
        </Space>
        <ErrorAlert error={items.error} />
        <PagedTable
          rows={data?.items}
          count={data?.itemsMeta.count}
          page={page}
          pageSize={PAGE_SIZE}
          onPage={setPage}
          loading={items.loading}
          columns={[
            { title: t('Kind'), dataIndex: 'kind', width: 100 },
            { title: t('Userid / department'), dataIndex: 'key', width: 150 },
            { title: t('Action'), dataIndex: 'action', width: 90, render: (a: string) => <Tag>{a}</Tag> },
            { title: t('Outcome'), dataIndex: 'outcome', width: 90, render: (o: string) => <Tag color={OUTCOME_COLORS[o]}>{o}</Tag> },
            {
              title: t('Reason and values'),
              render: (_: unknown, item: RunItemView) => (
                <Space direction="vertical" size={0}>
                  <span>{item.reason}</span>
                  {describeChanges(item).map((line) => (
                    <Typography.Text key={line} type="secondary" style={{ fontSize: 12 }}>
                      {line}
                    </Typography.Text>
                  ))}
                  {item.error ? <Typography.Text type="danger">{item.error}</Typography.Text> : null}
                </Space>
              ),
            },
          ]}
        />
      </div>
    </Drawer>
  );
}
