import React from 'react';
import { SchemaComponent } from '@nocobase/client';
import { useForm } from '@formily/react';
import { useTranslation } from 'react-i18next';
import { BridgeCheckButton } from '../shared/BridgeCheckButton';
import { translator } from '../shared/locale';
import { DEFAULT_BRIDGE_AUTHENTICATOR, type WecomBridgeOptions } from '../shared/options';

/**
 * Classic client: the fields below the common ones in Authentication → Add new / Configure. Rendered inside the
 * form's `options` object field, so `bridgeUrl` here is `options.bridgeUrl` on the authenticator.
 */
export function AdminSettingsForm() {
  const { i18n } = useTranslation();
  const t = translator(i18n?.language);
  return (
    <SchemaComponent
      components={{ WecomBridgeCheck }}
      schema={{
        type: 'object',
        properties: {
          bridgeUrl: {
            type: 'string',
            title: t('Bridge URL'),
            required: true,
            description: t(
              'The public URL of wecom-bridge as browsers reach it, e.g. https://nocobase.example.com when the bridge is served under /api/wecom/ on this domain, or https://wecom.example.com.',
            ),
            'x-decorator': 'FormItem',
            'x-component': 'Input',
            'x-component-props': { placeholder: 'https://wecom.example.com' },
          },
          bridgeAuthenticator: {
            type: 'string',
            title: t('Bridge authenticator'),
            description: t('The name of the authenticator on the bridge (WECOM_AUTHENTICATOR_NAME, default wecom).'),
            'x-decorator': 'FormItem',
            'x-component': 'Input',
            'x-component-props': { placeholder: DEFAULT_BRIDGE_AUTHENTICATOR },
          },
          autoLogin: {
            type: 'boolean',
            title: t('Sign in automatically inside the WeCom client'),
            description: t('Inside the WeCom client the sign-in page goes to WeCom by itself (once per tab, so a refusal does not loop).'),
            'x-decorator': 'FormItem',
            'x-component': 'Checkbox',
          },
          check: { type: 'void', 'x-component': 'WecomBridgeCheck' },
        },
      }}
    />
  );
}

/** A component of its own (not a closure) so Formily keeps its state across the form's re-renders. */
function WecomBridgeCheck() {
  const { i18n } = useTranslation();
  const t = translator(i18n?.language);
  const form = useForm();
  return <BridgeCheckButton t={t} values={() => (form.values as { options?: WecomBridgeOptions }).options ?? {}} />;
}
