import React, { useEffect, useState } from 'react';
import { Alert, Button, Card, Input, Space, Typography } from 'antd';
import type { AdminContext, Loaded } from './admin-context';
import { asBridgeError, ErrorAlert } from './admin-context';
import type { BridgeError } from './bridge-api';
import { formatTime } from './run-format';
import type { AuthenticatorCheck } from './SetupTab';

/** The sync's cron, editable; the bridge refuses one that never fires, and the next runs show what was meant. */
export function ScheduleCard({ ctx, check }: { ctx: AdminContext; check: Loaded<AuthenticatorCheck> }) {
  const { api, name, t } = ctx;
  const saved = check.data?.schedule.cron ?? '';
  const [cron, setCron] = useState(saved);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<BridgeError | null>(null);
  useEffect(() => setCron(saved), [saved]);

  async function save() {
    setSaving(true);
    setError(null);
    try {
      await api.patch(`/api/admin/authenticators/${encodeURIComponent(name)}`, { syncCron: cron.trim() || null });
      check.reload();
    } catch (e) {
      setError(asBridgeError(e));
    } finally {
      setSaving(false);
    }
  }

  const schedule = check.data?.schedule;
  const fromEnv = check.data?.declaredByEnv ?? false;
  return (
    <Card size="small" title={t('Schedule')} style={{ marginBottom: 16 }} data-wecom-admin-schedule="">
      <Space wrap>
        <Input
          value={cron}
          placeholder={t('cron, e.g. 0 3 * * * (empty: no schedule)')}
          style={{ width: 280 }}
          onChange={(e: { target: { value: string } }) => setCron(e.target.value)}
        />
        <Button onClick={save} loading={saving} disabled={fromEnv || cron.trim() === saved}>
          {t('Save schedule')}
        </Button>
      </Space>
      {fromEnv ? (
        <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0 }}>
          {t("This authenticator is declared in the bridge's environment: change WECOM_SYNC_CRON there.")}
        </Typography.Paragraph>
      ) : null}
      <ErrorAlert error={error} />
      {schedule?.problem ? <Alert type="error" showIcon message={`"${schedule.cron}" ${schedule.problem}`} style={{ marginTop: 12 }} /> : null}
      <div style={{ marginTop: 12 }}>
        {schedule?.nextRuns.length ? (
          <Typography.Text type="secondary" data-wecom-admin-next-runs="">
            {t('Next runs')}: {schedule.nextRuns.map(formatTime).join(' · ')}
          </Typography.Text>
        ) : (
          <Typography.Text type="secondary">{t('No scheduled runs: syncs start from here, the CLI, or contact-change events.')}</Typography.Text>
        )}
      </div>
    </Card>
  );
}
