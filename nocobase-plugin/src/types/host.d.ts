/**
 * The few shapes of NocoBase (2.2.x), antd and react-i18next this plugin uses, declared by hand: NocoBase's typed
 * packages are not installable here and the host supplies all of them at run time (server: NocoBase's node_modules;
 * browser: the modules NocoBase shares with plugins through requirejs). Keep these to what the code calls.
 */

declare module '@nocobase/auth' {
  export interface AuthConfig {
    authenticator: { name: string; authType: string; options: Record<string, unknown> };
    options: Record<string, unknown>;
    ctx: { db: { getCollection(name: string): unknown } };
  }
  export class BaseAuth {
    constructor(config: AuthConfig & { userCollection: unknown });
    validate(): Promise<unknown>;
  }
}

declare module '@nocobase/server' {
  interface AuthTypeConfig<O> {
    auth: new (config: import('@nocobase/auth').AuthConfig) => import('@nocobase/auth').BaseAuth;
    title?: string;
    getPublicOptions?: (options: O) => object;
  }
  export class Plugin {
    app: { authManager: { registerTypes<O>(authType: string, config: AuthTypeConfig<O>): void } };
    load(): Promise<void>;
  }
}

/** Both clients' plugin-auth: `registerType` takes components (classic) or loaders (client-v2). */
interface HostAuthPlugin {
  registerType(authType: string, options: Record<string, unknown>): void;
}
interface HostApp {
  pm: { get(name: string): HostAuthPlugin | undefined };
}

declare module '@nocobase/client' {
  import type { ComponentType } from 'react';
  export class Plugin {
    app: HostApp;
    load(): Promise<void>;
  }
  export const SchemaComponent: ComponentType<{ schema: object; components?: Record<string, ComponentType>; scope?: object }>;
}

declare module '@nocobase/client-v2' {
  export class Plugin {
    app: HostApp;
    load(): Promise<void>;
  }
}

declare module '@formily/react' {
  export function useForm(): { values: Record<string, unknown> };
}

declare module 'react-i18next' {
  export function useTranslation(): { i18n?: { language?: string } };
}

declare module 'antd' {
  import type { CSSProperties, ComponentType, ReactNode } from 'react';
  type DataAttributes = { [key: `data-${string}`]: string };
  export const Alert: ComponentType<
    { type: 'success' | 'info' | 'warning' | 'error'; showIcon?: boolean; message: ReactNode; description?: ReactNode } & DataAttributes
  >;
  export const Button: ComponentType<
    {
      block?: boolean;
      size?: 'small' | 'middle' | 'large';
      disabled?: boolean;
      loading?: boolean;
      icon?: ReactNode;
      style?: CSSProperties;
      onClick?: () => void;
      children?: ReactNode;
    } & DataAttributes
  >;
  export const Space: ComponentType<{ direction?: 'vertical' | 'horizontal'; style?: CSSProperties; children?: ReactNode } & DataAttributes>;
  export const Input: ComponentType<{ placeholder?: string }>;
  export const Checkbox: ComponentType<{ children?: ReactNode }>;
  interface FormInstance {
    getFieldValue(name: string | Array<string | number>): unknown;
  }
  export const Form: {
    Item: ComponentType<{
      name?: Array<string | number>;
      label?: ReactNode;
      extra?: ReactNode;
      valuePropName?: string;
      rules?: Array<{ required?: boolean; message?: string }>;
      children?: ReactNode;
    }>;
    useFormInstance(): FormInstance;
  };
}
