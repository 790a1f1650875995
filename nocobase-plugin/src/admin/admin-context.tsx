import React, { useCallback, useEffect, useRef, useState } from 'react';
import { Alert, Select, Table } from 'antd';
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

/**
 * One page of the bridge's rows: a small table keyed by id, paged by the bridge (a fixed page size; the bridge
 * pages, not the table). Its columns, loading and data-* attributes go to antd's Table as they are.
 */
export function PagedTable<T extends { id: number }>({
  rows,
  count,
  page,
  pageSize,
  onPage,
  ...table
}: {
  rows: T[] | undefined;
  count: number | undefined;
  page: number;
  pageSize: number;
  onPage(page: number): void;
  loading: boolean;
  columns: React.ComponentProps<typeof Table>['columns'];
} & { [attribute: `data-${string}`]: string }) {
  return (
    <Table
      size="small"
      rowKey="id"
      dataSource={rows ?? []}
      pagination={{ current: page, pageSize, total: count ?? 0, onChange: onPage, showSizeChanger: false }}
      {...table}
    />
  );
}

/** A list's filter: one value or none; choosing it goes back to the first page (the caller's onChange). */
export function FilterSelect({
  filter,
  placeholder,
  value,
  options,
  onChange,
}: {
  /** Its data-wecom-admin-filter attribute. */
  filter: string;
  placeholder: string;
  value: string | undefined;
  options: Array<{ value: string; label: string }>;
  onChange(value: string | undefined): void;
}) {
  return (
    <Select allowClear placeholder={placeholder} style={{ width: 160 }} value={value} onChange={onChange} options={options} data-wecom-admin-filter={filter} />
  );
}
