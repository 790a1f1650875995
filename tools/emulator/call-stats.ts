/** One WeCom API's calls with one errcode (or fault kind). */
export interface CallStats {
  api: string;
  errcode: number | string;
  count: number;
}

/** Every call the emulator answered, by API and errcode: what tests and benchmarks read back. */
export class CallCounter {
  private readonly counts = new Map<string, number>();

  count(api: string, errcode: number | string): void {
    const key = `${api}\u0000${errcode}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  stats(): CallStats[] {
    return [...this.counts].map(([key, count]) => {
      const [api, errcode] = key.split('\u0000');
      return { api, errcode: /^-?\d+$/.test(errcode) ? Number(errcode) : errcode, count };
    });
  }

  calls(api?: string, errcode?: number | string): number {
    return this.stats()
      .filter((s) => (api === undefined || s.api === api) && (errcode === undefined || s.errcode === errcode))
      .reduce((n, s) => n + s.count, 0);
  }

  reset(): void {
    this.counts.clear();
  }
}
