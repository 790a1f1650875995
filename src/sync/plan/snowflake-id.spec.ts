import { SnowflakeIdGenerator } from './snowflake-id';

describe(SnowflakeIdGenerator.name, () => {
  it('lays out time, worker and sequence as NocoBase does', () => {
    const ids = new SnowflakeIdGenerator(29n, () => 1_764_000_000_500);
    const first = BigInt(ids.next());
    expect(first >> 21n).toBe(1_764_000_000n - 1_605_024_000n);
    expect((first >> 16n) & 0x1fn).toBe(29n);
    expect(first & 0xffffn).toBe(0n);
    expect(BigInt(ids.next()) - first).toBe(1n);
  });

  it('stays unique and increasing past 65,536 ids in one second', () => {
    const ids = new SnowflakeIdGenerator(29n, () => 1_764_000_000_000);
    const seen = Array.from({ length: 70_000 }, () => BigInt(ids.next()));
    expect(new Set(seen).size).toBe(70_000);
    expect(seen.every((id, i) => i === 0 || id > seen[i - 1])).toBe(true);
  });

  it("fits PostgreSQL's bigint for decades", () => {
    const ids = new SnowflakeIdGenerator(29n, () => Date.UTC(2060, 0, 1));
    expect(BigInt(ids.next())).toBeLessThan(2n ** 63n);
  });
});
