/**
 * Encoded results of reads, kept per account until the account's state changes. IAM is read far
 * more than it is written (every deploy tool lists and gets the same roles and policies again and
 * again), and a read of unchanged state need not go to the store, nor be serialized, twice.
 *
 * Only where this node hears of every write as it commits — the embedded SQLite store, which one
 * process owns. With several PostgreSQL nodes a write elsewhere is heard a moment later, and a
 * client that writes on one node and reads on another must still see its write.
 */
import type { ChangeFeed } from '../store/changes.js';

interface AccountResults {
  readonly version: number;
  readonly results: Map<string, string>;
}

/** Characters kept in all, by default: past it the cache starts over. */
const DEFAULT_BUDGET = 32 * 1024 * 1024;

export class ReadCache {
  private readonly accounts = new Map<string, AccountResults>();
  private held = 0;

  constructor(
    private readonly changes: ChangeFeed,
    private readonly budget = DEFAULT_BUDGET,
  ) {}

  /** Whether results may be kept at all: only when every change is heard at once. */
  get enabled(): boolean {
    return this.changes.maxAgeMs === Infinity;
  }

  /** The result kept for `key` at the account's current version. */
  get(accountId: string, key: string): string | undefined {
    const account = this.accounts.get(accountId);
    if (account === undefined) return undefined;
    if (account.version !== this.changes.version(accountId)) {
      this.drop(accountId, account);
      return undefined;
    }
    return account.results.get(key);
  }

  /**
   * Keeps a result computed from the store at `version`, read before the store was. If the account
   * has moved on meanwhile the result may already be old, and is not kept.
   */
  set(accountId: string, version: number, key: string, result: string): void {
    if (!this.enabled || version !== this.changes.version(accountId)) return;
    const size = key.length + result.length;
    // One huge result (a full GetAccountAuthorizationDetails page) must not push out everything else.
    if (size > this.budget / 16) return;
    if (this.held + size > this.budget) this.clear();
    let account = this.accounts.get(accountId);
    if (account === undefined || account.version !== version) {
      if (account !== undefined) this.drop(accountId, account);
      account = { version, results: new Map() };
      this.accounts.set(accountId, account);
    }
    const previous = account.results.get(key);
    if (previous !== undefined) this.held -= key.length + previous.length;
    account.results.set(key, result);
    this.held += size;
  }

  private drop(accountId: string, account: AccountResults): void {
    for (const [key, result] of account.results) this.held -= key.length + result.length;
    this.accounts.delete(accountId);
  }

  private clear(): void {
    this.accounts.clear();
    this.held = 0;
  }
}
