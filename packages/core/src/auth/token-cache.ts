import type { AuthChange } from './auth-changes.js';
import type { Principal } from './principal.js';

interface Entry {
  principal: Principal;
  /** Epoch ms after which the entry must not be used: the token's `exp` or the TTL cap. */
  validUntil: number;
}

/**
 * A bounded in-process cache of verified tokens, keyed by the token's SHA-256, so that a warm
 * request costs one hash and one Map lookup. Entries are dropped on every change that
 * affects authentication (see AuthChange), never outlive the token's expiry, and are capped
 * by a TTL as a second line of defence.
 *
 * Concurrency: a store read that started before an invalidation must not re-insert what the
 * invalidation removed, so inserts carry the epoch observed before the read (see `epoch`).
 */
export class TokenCache {
  readonly #entries = new Map<string, Entry>();
  readonly #hashByToken = new Map<number, string>();
  readonly #hashesByUser = new Map<number, Set<string>>();
  /** One User object per user for all of their cached tokens (a service account may have thousands). */
  readonly #users = new Map<number, Principal['user']>();
  /** Cache keys seen once and not admitted yet (see `admitOnSecondUse`); keys only, bounded. */
  readonly #seenOnce = new Set<string>();
  #epoch = 0;
  #enabled = true;

  readonly ttlMs: number;
  /**
   * A token is cached on its second use, not its first (a "doorkeeper", as in TinyLFU): a scan
   * of tokens used once each (short-lived CI tokens, or an attacker replaying a stolen list) then
   * costs store reads but never evicts the tokens in steady use.
   */
  readonly admitOnSecondUse: boolean;

  constructor(
    readonly maxEntries = 100_000,
    options: { ttlMs?: number; admitOnSecondUse?: boolean } = {},
  ) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.admitOnSecondUse = options.admitOnSecondUse ?? false;
  }

  /** Changes whenever something is invalidated. */
  get epoch(): number {
    return this.#epoch;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(hash: string, nowMs: number): Principal | undefined {
    const e = this.#entries.get(hash);
    if (e === undefined) return undefined;
    if (e.validUntil <= nowMs) {
      this.#remove(hash);
      return undefined;
    }
    return e.principal;
  }

  /**
   * Inserts unless an invalidation happened since `epochBeforeRead`, or the cache is disabled.
   * Returns the principal to use: the one stored, which shares the user object of the user's
   * other cached tokens (so per-user work done on it, such as formatting, is done once).
   */
  set(hash: string, principal: Principal, nowMs: number, epochBeforeRead: number): Principal {
    if (!this.#enabled || this.maxEntries === 0 || epochBeforeRead !== this.#epoch) return principal;
    const exp = principal.token?.expiration?.getTime() ?? Infinity;
    const validUntil = Math.min(exp, nowMs + this.ttlMs);
    if (validUntil <= nowMs) return principal;
    if (this.admitOnSecondUse && !this.#seenOnce.delete(hash)) {
      if (this.#seenOnce.size >= this.maxEntries) this.#seenOnce.clear();
      this.#seenOnce.add(hash);
      return principal;
    }
    if (this.#entries.size >= this.maxEntries) {
      // Map iteration order is insertion order: drop the oldest entry.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#remove(oldest);
    }
    // Every change to a user drops all of their entries (and this shared object) at once, so the
    // user object of a live entry is always the current one.
    const user = this.#users.get(principal.user.id);
    if (user) principal = { ...principal, user };
    else this.#users.set(principal.user.id, principal.user);
    this.#entries.set(hash, { principal, validUntil });
    if (principal.token) this.#hashByToken.set(principal.token.id, hash);
    let set = this.#hashesByUser.get(principal.user.id);
    if (!set) this.#hashesByUser.set(principal.user.id, (set = new Set()));
    set.add(hash);
    return principal;
  }

  apply(change: AuthChange): void {
    this.#epoch++;
    if (change.kind === 'all') return this.clear();
    if (change.kind === 'token') {
      const hash = this.#hashByToken.get(change.tokenId);
      if (hash !== undefined) this.#remove(hash);
      return;
    }
    const hashes = this.#hashesByUser.get(change.userId);
    if (hashes) for (const h of [...hashes]) this.#remove(h);
  }

  clear(): void {
    this.#epoch++;
    this.#entries.clear();
    this.#hashByToken.clear();
    this.#hashesByUser.clear();
    this.#users.clear();
  }

  /** While disabled (e.g. the change feed is down) nothing is cached: correct but slower. */
  setEnabled(enabled: boolean): void {
    if (!enabled) this.clear();
    this.#enabled = enabled;
  }

  #remove(hash: string): void {
    const e = this.#entries.get(hash);
    if (!e) return;
    this.#entries.delete(hash);
    if (e.principal.token) this.#hashByToken.delete(e.principal.token.id);
    const set = this.#hashesByUser.get(e.principal.user.id);
    if (set) {
      set.delete(hash);
      if (set.size === 0) {
        this.#hashesByUser.delete(e.principal.user.id);
        this.#users.delete(e.principal.user.id);
      }
    }
  }
}
