import React from 'react';
import { Checkbox, Form, Input } from 'antd';
import { useTranslation } from 'react-i18next';
import { BridgeCheckButton } from '../shared/BridgeCheckButton';
import { translator } from '../shared/locale';
import { DEFAULT_BRIDGE_AUTHENTICATOR, type WecomBridgeOptions } from '../shared/options';

/**
 * client-v2: the body client-v2's Authenticators drawer renders inside its antd Form, below the common fields;
 * it owns the `options.*` paths it declares (the drawer merges the rest of `options` on update).
 */
export default function AdminSettingsForm() {
  const { i18n } = useTranslation();
  const t = translator(i18n?.language);
  const form = Form.useFormInstance();
  return (
    <>
      <Form.Item
        name={['options', 'bridgeUrl']}
        label={t('Bridge URL')}
        rules={[{ required: true }]}
        extra={t(
          'The public URL of wecom-bridge as browsers reach it, e.g. https://nocobase.example.com when the bridge is served under /api/wecom/ on this domain, or https://wecom.example.com.',
        )}
      >
        <Input placeholder="https://wecom.example.com" />
      </Form.Item>
      <Form.Item
        name={['options', 'bridgeAuthenticator']}
        label={t('Bridge authenticator')}
        extra={t('The name of the authenticator on the bridge (WECOM_AUTHENTICATOR_NAME, default wecom).')}
      >
        <Input placeholder={DEFAULT_BRIDGE_AUTHENTICATOR} />
      </Form.Item>
      <Form.Item
        name={['options', 'autoLogin']}
        valuePropName="checked"
        extra={t('Inside the WeCom client the sign-in page goes to WeCom by itself (once per tab, so a refusal does not loop).')}
      >
        <Checkbox>{t('Sign in automatically inside the WeCom client')}</Checkbox>
      </Form.Item>
      <BridgeCheckButton t={t} values={() => (form.getFieldValue('options') as WecomBridgeOptions | undefined) ?? {}} />
    </>
  );
}
