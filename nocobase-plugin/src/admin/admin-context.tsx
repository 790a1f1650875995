import React, { useCallback, useEffect, useRef, useState } from 'react';
import { Alert } from 'antd';
import { BridgeError, type BridgeApi } from './bridge-api';
import type { Translate } from '../shared/locale';

/** What every tab of the page works with: the bridge (as this admin), the bridge authenticator's name, the texts. */
export interface AdminContext {
  api: BridgeApi;
  name: string;
  t: Translate;
}

export interface Loaded<T> {
  data: T | null;
  error: BridgeError | null;
  loading: boolean;
  reload(): void;
}

/** Loads on mount and whenever `key` changes; the latest answer wins (a slow earlier one never overwrites it). */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: BridgeError | null; loading: boolean }>({ data: null, error: null, loading: true });
  const generation = useRef(0);
  const run = useCallback(() => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => mine === generation.current && setState({ data, error: null, loading: false }),
      (error) => mine === generation.current && setState((s) => ({ data: s.data, error: asBridgeError(error), loading: false })),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  useEffect(run, [run]);
  return { ...state, reload: run };
}

export function asBridgeError(error: unknown): BridgeError {
  return error instanceof BridgeError ? error : new BridgeError(0, 'ERROR', (error as Error)?.message ?? String(error));
}

/** The bridge's refusal as it wrote it: its code and its message, never a blank page. */
export function ErrorAlert({ error }: { error: BridgeError | null }) {
  if (!error) return null;
  return (
    <Alert
      type="error"
      showIcon
      message={error.status ? `${error.code} (HTTP ${error.status})` : error.code}
      description={error.message}
      data-wecom-admin-error={error.code}
      style={{ marginBottom: 16 }}
    />
  );
}

/** A table's paging over the bridge's pages (a fixed size: the bridge pages, not the table). */
export function pagingOf(page: number, pageSize: number, total: number | undefined, onChange: (page: number) => void) {
  return { current: page, pageSize, total: total ?? 0, onChange, showSizeChanger: false };
}
