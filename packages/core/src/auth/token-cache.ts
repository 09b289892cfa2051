import type { AuthChange } from './auth-changes.js';
import type { User } from '../model.js';
import type { Principal } from './principal.js';

interface Entry {
  principal: Principal;
  /** Epoch ms after which the entry must not be used: the token's `exp` or the TTL cap. */
  validUntil: number;
}

interface UserEntry {
  user: User;
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
  /**
   * Further hashes cached for one token: during a rotation's grace period its previous secret
   * and its new one both authenticate, and a change to the token must drop both.
   */
  readonly #moreHashesByToken = new Map<number, string[]>();
  readonly #hashesByUser = new Map<number, Set<string>>();
  /**
   * Users of verified tokens, apart from the tokens: a never-seen token of a known user costs a
   * read of the token only, and all of a user's tokens share one User object (so per-user work
   * done on it, such as formatting, is done once). Invalidated like the tokens, by user.
   */
  readonly #users = new Map<number, UserEntry>();
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

  /** Users kept at most; the oldest go first. */
  readonly maxUsers: number;

  constructor(
    readonly maxEntries = 100_000,
    options: { ttlMs?: number; admitOnSecondUse?: boolean; maxUsers?: number } = {},
  ) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.admitOnSecondUse = options.admitOnSecondUse ?? false;
    this.maxUsers = options.maxUsers ?? 10_000;
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

  /** The user with this id as last read, unless a change to them came since (or the TTL ran out). */
  user(id: number, nowMs: number): User | undefined {
    const e = this.#users.get(id);
    if (e === undefined) return undefined;
    if (e.validUntil <= nowMs) {
      this.#users.delete(id);
      return undefined;
    }
    return e.user;
  }

  /**
   * Keeps a user read from the store, unless an invalidation happened since `epochBeforeRead`
   * or the cache is disabled. The user cache works whatever `maxEntries` is: users are few,
   * and a token cache of size 0 is there to measure the token store.
   */
  setUser(user: User, nowMs: number, epochBeforeRead: number): void {
    if (!this.#enabled || epochBeforeRead !== this.#epoch) return;
    if (this.#users.size >= this.maxUsers && !this.#users.has(user.id)) this.#users.delete(this.#users.keys().next().value!);
    this.#users.set(user.id, { user, validUntil: nowMs + this.ttlMs });
  }

  /** Inserts unless an invalidation happened since `epochBeforeRead`, or the cache is disabled. */
  set(hash: string, principal: Principal, nowMs: number, epochBeforeRead: number): void {
    if (!this.#enabled || this.maxEntries === 0 || epochBeforeRead !== this.#epoch) return;
    const exp = principal.token?.expiration?.getTime() ?? Infinity;
    // Not past the TTL of the user read either: nothing is served longer than the TTL after it was read.
    const userEntry = this.#users.get(principal.user.id);
    const userUntil = userEntry?.user === principal.user ? userEntry.validUntil : Infinity;
    const validUntil = Math.min(exp, nowMs + this.ttlMs, userUntil);
    if (validUntil <= nowMs) return;
    if (this.admitOnSecondUse && !this.#seenOnce.delete(hash)) {
      if (this.#seenOnce.size >= this.maxEntries) this.#seenOnce.clear();
      this.#seenOnce.add(hash);
      return;
    }
    if (this.#entries.size >= this.maxEntries) {
      // Map iteration order is insertion order: drop the oldest entry.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#remove(oldest);
    }
    this.#entries.set(hash, { principal, validUntil });
    if (principal.token) {
      const id = principal.token.id;
      const cached = this.#hashByToken.get(id);
      if (cached !== undefined && cached !== hash) {
        const more = this.#moreHashesByToken.get(id);
        if (more) more.push(cached);
        else this.#moreHashesByToken.set(id, [cached]);
      }
      this.#hashByToken.set(id, hash);
    }
    let set = this.#hashesByUser.get(principal.user.id);
    if (!set) this.#hashesByUser.set(principal.user.id, (set = new Set()));
    set.add(hash);
  }

  apply(change: AuthChange): void {
    if (change.kind === 'datastores') return;
    this.#epoch++;
    if (change.kind === 'all') return this.clear();
    if (change.kind === 'token') {
      const hash = this.#hashByToken.get(change.tokenId);
      const more = this.#moreHashesByToken.get(change.tokenId);
      if (hash !== undefined) this.#remove(hash);
      if (more) for (const h of more) this.#remove(h);
      this.#moreHashesByToken.delete(change.tokenId);
      return;
    }
    this.#users.delete(change.userId);
    const hashes = this.#hashesByUser.get(change.userId);
    if (hashes) for (const h of [...hashes]) this.#remove(h);
  }

  clear(): void {
    this.#epoch++;
    this.#entries.clear();
    this.#hashByToken.clear();
    this.#moreHashesByToken.clear();
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
    if (e.principal.token) {
      const id = e.principal.token.id;
      if (this.#hashByToken.get(id) === hash) this.#hashByToken.delete(id);
      const more = this.#moreHashesByToken.get(id);
      if (more) {
        const rest = more.filter((h) => h !== hash);
        if (rest.length > 0) this.#moreHashesByToken.set(id, rest);
        else this.#moreHashesByToken.delete(id);
      }
    }
    const set = this.#hashesByUser.get(e.principal.user.id);
    if (set) {
      set.delete(hash);
      if (set.size === 0) this.#hashesByUser.delete(e.principal.user.id);
    }
  }
}
