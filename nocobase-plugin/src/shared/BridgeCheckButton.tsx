import React, { useState } from 'react';
import { Alert, Button, Space } from 'antd';
import { checkBridge, type BridgeCheck } from './bridge-check';
import type { Translate } from './locale';
import type { WecomBridgeOptions } from './options';

/** "Check / 检查" in the settings form: asks the bridge from this browser and says plainly what is wrong. */
export function BridgeCheckButton({ t, values }: { t: Translate; values: () => WecomBridgeOptions }) {
  const [result, setResult] = useState<BridgeCheck | null>(null);
  const [checking, setChecking] = useState(false);

  const run = async () => {
    setChecking(true);
    setResult(null);
    const current = values();
    try {
      setResult(await checkBridge(current.bridgeUrl, current.bridgeAuthenticator));
    } finally {
      setChecking(false);
    }
  };

  return (
    <Space direction="vertical" style={{ display: 'flex', marginBottom: 24 }}>
      <Button onClick={run} loading={checking} data-wecom-bridge-check="">
        {checking ? t('Checking…') : t('Check')}
      </Button>
      {result ? <CheckResult t={t} result={result} /> : null}
    </Space>
  );
}

function CheckResult({ t, result }: { t: Translate; result: BridgeCheck }) {
  const show = (type: 'success' | 'warning' | 'error', message: string, description?: string) => (
    <Alert type={type} showIcon message={message} description={description} data-wecom-bridge-check-result={result.status} />
  );
  switch (result.status) {
    case 'ok': {
      const mismatch =
        result.loginUrl && result.loginUrl !== result.expectedLoginUrl
          ? t('The bridge builds its login URL as {{actual}}, not {{expected}}: check the bridge URL here and WECOM_BRIDGE_URL on the bridge.', {
              actual: result.loginUrl,
              expected: result.expectedLoginUrl,
            })
          : undefined;
      return show(mismatch ? 'warning' : 'success', t('Connected: the bridge serves “{{title}}” and it is enabled.', { title: result.title }), mismatch);
    }
    case 'disabled':
      return show(
        'warning',
        t('The bridge has “{{name}}”, but it is disabled. Enable it on the bridge (PATCH /api/admin/authenticators/{{name}} with enabled: true).', {
          name: result.name,
        }),
      );
    case 'not-found':
      return show(
        'error',
        t('The bridge has no authenticator named “{{name}}”. Check the name (GET /api/wecom/authenticators on the bridge lists them).', { name: result.name }),
      );
    case 'unreachable':
      return show(
        'error',
        t(
          'This browser cannot reach the bridge at {{url}} ({{detail}}). Check the URL, that the bridge is running, and that the bridge allows this NocoBase origin (WECOM_ORIGIN, for CORS).',
          {
            url: result.url,
            detail: result.detail,
          },
        ),
      );
    case 'invalid-url':
      return show('error', t('Enter the bridge URL as http(s)://host[:port].'));
    case 'unexpected':
      return show('error', t('The bridge answered unexpectedly at {{url}}: {{detail}}.', { url: result.url, detail: result.detail }));
  }
}
