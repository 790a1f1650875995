/** NocoBase's snowflake epoch (seconds), from @nocobase/snowflake-id. */
const EPOCH_SECONDS = 1605024000n;

/**
 * Department ids the way NocoBase makes them ((seconds − epoch) × 2^21 + worker × 2^16 + seq),
 * so synced departments look like NocoBase's own. The bridge uses its own worker number, which
 * keeps its ids apart from NocoBase's; past 65,536 ids in one second it borrows the next second.
 */
export class SnowflakeIdGenerator {
  private second = 0n;
  private sequence = 0n;

  constructor(
    private readonly worker = 29n,
    private readonly now: () => number = Date.now,
  ) {}

  next(): string {
    const current = BigInt(Math.floor(this.now() / 1000));
    if (current > this.second) {
      this.second = current;
      this.sequence = 0n;
    } else if (this.sequence > 0xffffn) {
      this.second += 1n;
      this.sequence = 0n;
    }
    const id = (this.second - EPOCH_SECONDS) * 2n ** 21n + this.worker * 2n ** 16n + this.sequence;
    this.sequence += 1n;
    return id.toString();
  }
}
