import React, { useEffect, useState } from 'react';
import { Alert, Button, Space } from 'antd';
import { useTranslation } from 'react-i18next';
import { translator } from './locale';
import type { WecomBridgePublicOptions } from './options';
import { autoLoginStorageKey, bridgeLoginHref, errorFor, shouldAutoLogin } from './sign-in';

export interface SignInButtonProps {
  authenticator: { name: string; title?: string; options?: Partial<WecomBridgePublicOptions> };
}

/** One auto-login per page load even with several WeCom authenticators: the first button (list order) wins. */
let autoLoginClaimed = false;

function triedInThisTab(name: string): boolean {
  try {
    return window.sessionStorage.getItem(autoLoginStorageKey(name)) !== null;
  } catch {
    return true; // no sessionStorage (privacy mode): never auto-login rather than risk a loop
  }
}

/**
 * The WeCom button under the password form (classic `/signin` and client-v2 `/v/signin`). A click is a full-page
 * navigation to the bridge: pop-ups fail inside the WeCom client's webview.
 */
export function SignInButton({ authenticator }: SignInButtonProps) {
  const { i18n } = useTranslation();
  const t = translator(i18n?.language);
  const loginUrl = authenticator.options?.loginUrl ?? null;
  const error = errorFor(authenticator.name, window.location.search);
  const [leaving, setLeaving] = useState(false);

  const go = () => {
    if (!loginUrl) return;
    setLeaving(true);
    window.location.assign(bridgeLoginHref(loginUrl, window.location.search));
  };

  useEffect(() => {
    const auto = shouldAutoLogin({
      authenticatorName: authenticator.name,
      loginUrl,
      autoLogin: authenticator.options?.autoLogin === true,
      pageSearch: window.location.search,
      userAgent: navigator.userAgent,
      alreadyTried: triedInThisTab(authenticator.name),
    });
    if (!auto || autoLoginClaimed) return;
    autoLoginClaimed = true;
    window.sessionStorage.setItem(autoLoginStorageKey(authenticator.name), String(Date.now()));
    go();
    // Decided once, when the sign-in page shows this button.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const label = authenticator.title || t('Sign in with WeCom');
  return (
    <Space direction="vertical" style={{ display: 'flex' }} data-wecom-bridge-authenticator={authenticator.name}>
      {error ? <Alert type="error" showIcon message={t('WeCom login failed')} description={error} data-wecom-bridge-error="" /> : null}
      {loginUrl ? null : <Alert type="warning" showIcon message={t('WeCom login is not configured yet: the bridge URL is missing. Ask an administrator.')} />}
      <Button block disabled={!loginUrl} loading={leaving} onClick={go} icon={<WecomMark />} style={{ background: '#fff' }}>
        {leaving ? t('Opening WeCom login…') : label}
      </Button>
    </Space>
  );
}

/** A plain mark in WeCom's blue (not WeCom's logo, which is theirs). */
function WecomMark() {
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" style={{ verticalAlign: '-3px' }}>
      <circle cx="6.5" cy="7" r="5.5" fill="#0082EF" />
      <circle cx="11.5" cy="10.5" r="3.5" fill="#2CA5F9" />
      <circle cx="4.5" cy="7" r="1" fill="#fff" />
      <circle cx="8.5" cy="7" r="1" fill="#fff" />
    </svg>
  );
}
