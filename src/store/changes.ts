/**
 * Change versions per account, so that caches of what the store holds (compiled policy sets, access
 * keys) know when to drop an entry. A write bumps its account's version locally at once; on
 * PostgreSQL it also NOTIFYs, and every node LISTENs and bumps too. Entries also expire after
 * `maxAgeMs` where other nodes may write, which bounds staleness if a notification is lost.
 */

/** The channel the nodes of one database tell each other on. */
export const CHANGE_CHANNEL = 'deployport_changes';

export class ChangeFeed {
  private readonly versions = new Map<string, number>();
  private total = 0;
  // Added to every account's version: moved when changes may have gone unheard.
  private everyAccount = 0;

  /**
   * @param publish tells other nodes (PostgreSQL's NOTIFY); absent for the embedded SQLite.
   * @param maxAgeMs how long a cached entry may live without a notification; Infinity on one node.
   */
  constructor(
    private readonly publish: ((accountId: string) => void) | undefined,
    readonly maxAgeMs: number,
  ) {}

  /** The current version of an account's state. */
  version(accountId: string): number {
    return this.everyAccount + (this.versions.get(accountId) ?? 0);
  }

  /** Records that an account's state changed here, and tells the other nodes. */
  changed(accountId: string): void {
    this.heard(accountId);
    this.publish?.(accountId);
  }

  /** Records a change another node announced. */
  heard(accountId: string): void {
    this.versions.set(accountId, (this.versions.get(accountId) ?? 0) + 1);
    this.total++;
  }

  /**
   * Records that changes may have been missed (the LISTEN connection was lost for a while): every
   * account's version moves, so every cache entry is made again.
   */
  heardAll(): void {
    this.everyAccount++;
    this.total++;
  }

  /** Counts every change to any account: a load that saw it move may have read a half-old world. */
  get epoch(): number {
    return this.total;
  }

  /**
   * Whether a cache entry made at `version`, at time `madeAt`, may still be used at `now`. An entry
   * made "later than now" is not: the wall clock was stepped back, and its age is unknown (a step
   * back of an hour would otherwise keep it an hour past the max age).
   */
  fresh(accountId: string, version: number, madeAt: number, now: number): boolean {
    const age = now - madeAt;
    return version === this.version(accountId) && age >= 0 && age < this.maxAgeMs;
  }
}
