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
/** NocoBase's API client (both clients): axios underneath, the session token in `auth`. */
interface HostApiClient {
  auth: { token: string | null };
  request<T = unknown>(config: { url: string; method?: string; params?: object; data?: object }): Promise<{ data: T }>;
}
interface HostApp {
  pm: { get(name: string): HostAuthPlugin | undefined };
  apiClient: HostApiClient;
  /** Classic client: one page per key under /admin/settings/<key>. */
  pluginSettingsManager: {
    add(key: string, options: { title: string; icon?: string; Component: import('react').ComponentType; aclSnippet?: string }): void;
  };
}
/** client-v2: a menu entry plus its page(s) as tabs, each loaded on demand. */
interface HostAppV2 {
  pm: { get(name: string): HostAuthPlugin | undefined };
  apiClient: HostApiClient;
  pluginSettingsManager: {
    addMenuItem(options: { key: string; title: string; icon?: string; aclSnippet?: string }): void;
    addPageTabItem(options: { menuKey: string; key: string; title: string; componentLoader: () => Promise<{ default: import('react').ComponentType }> }): void;
  };
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
    app: HostAppV2;
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
  /**
   * The settings page's components (Table, Tabs, Select, …) have wide prop types in antd; only what this plugin passes
   * is checked by its own code and the browser suite, so their props are left open here.
   */
  type OpenProps = Record<string, unknown> & { children?: ReactNode; style?: CSSProperties };
  export const Card: ComponentType<OpenProps>;
  export const Descriptions: ComponentType<OpenProps> & { Item: ComponentType<OpenProps> };
  export const Drawer: ComponentType<OpenProps>;
  export const Empty: ComponentType<OpenProps>;
  export const Progress: ComponentType<OpenProps>;
  export const Select: ComponentType<OpenProps>;
  export const Spin: ComponentType<OpenProps>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  export const Table: ComponentType<
    OpenProps & { columns: Array<{ title?: ReactNode; dataIndex?: string; width?: number; render?: (...args: any[]) => ReactNode }> }
  >;
  export const Tabs: ComponentType<OpenProps>;
  export const Tag: ComponentType<OpenProps>;
  export const Typography: {
    Text: ComponentType<OpenProps>;
    Title: ComponentType<OpenProps>;
    Paragraph: ComponentType<OpenProps>;
  };
  export const Modal: ComponentType<OpenProps> & { confirm(options: Record<string, unknown>): void };
  type DataAttributes = { [key: `data-${string}`]: string };
  export const Alert: ComponentType<
    OpenProps & { type: 'success' | 'info' | 'warning' | 'error'; showIcon?: boolean; message: ReactNode; description?: ReactNode }
  >;
  export const Button: ComponentType<
    OpenProps & {
      type?: 'primary' | 'default' | 'link';
      danger?: boolean;
      size?: 'small' | 'middle' | 'large';
      disabled?: boolean;
      loading?: boolean;
      onClick?: () => void;
    }
  >;
  export const Space: ComponentType<OpenProps & { direction?: 'vertical' | 'horizontal' }>;
  export const Input: ComponentType<OpenProps> & { Search: ComponentType<OpenProps> };
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
