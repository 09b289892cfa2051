import type { ClientUse, TokenUsage } from '../ports.js';

const DAY_MS = 86_400_000;

/** Longest user agent kept per client: longer ones are cut (they are free text a client chooses). */
export const MAX_USER_AGENT = 256;

const NO_CLIENTS: ClientUse[] = [];

/**
 * Collects each token's use in memory so that requests never write (SPEC §2, §10): its
 * `last_used` / `last_used_ip`, and its requests per UTC day and per client (ip + user agent).
 * The server drains `last_used` about once a second (`drainLastUsed`) and the counts with it
 * less often (`drain`), since writing a count costs the database several times what writing
 * `last_used` does.
 *
 * A token used again from the client of its previous request (the usual case) updates that
 * client's entry in place: no allocation per request.
 */
export class UsageBuffer {
  #pending = new Map<number, TokenUsage>();
  #counts = new Map<number, ClientUse[]>();

  /** @param countClients false keeps `last_used` only (the benchmark's "counting off"). */
  constructor(private readonly countClients = true) {}

  record(tokenId: number, atMs: number, ip: string | null, userAgent: string | null = null): void {
    const pending = this.#pending.get(tokenId);
    if (pending) {
      pending.atMs = atMs;
      pending.ip = ip ?? pending.ip;
    } else {
      this.#pending.set(tokenId, { tokenId, atMs, ip, clients: NO_CLIENTS });
    }
    if (!this.countClients) return;
    const day = Math.floor(atMs / DAY_MS);
    let clients = this.#counts.get(tokenId);
    if (clients === undefined) this.#counts.set(tokenId, (clients = []));
    // The most recent client last: most tokens have one client, so this is usually a hit.
    const last = clients[clients.length - 1];
    if (last !== undefined && last.ip === ip && last.userAgent === userAgent && last.day === day) {
      last.lastMs = atMs;
      last.requests++;
      return;
    }
    for (let i = clients.length - 2; i >= 0; i--) {
      const c = clients[i]!;
      if (c.ip === ip && c.userAgent === userAgent && c.day === day) {
        c.lastMs = atMs;
        c.requests++;
        // Moved last, so that the next request of the same client is the quick case.
        clients.splice(i, 1);
        clients.push(c);
        return;
      }
    }
    const agent = userAgent !== null && userAgent.length > MAX_USER_AGENT ? userAgent.slice(0, MAX_USER_AGENT) : userAgent;
    clients.push({ ip, userAgent: agent, day, firstMs: atMs, lastMs: atMs, requests: 1 });
  }

  /** Tokens whose `last_used` is pending. */
  get size(): number {
    return this.#pending.size;
  }

  /** Tokens whose counts are pending (what the counts hold in memory grows with it). */
  get countedTokens(): number {
    return this.#counts.size;
  }

  /**
   * Takes the pending `last_used` of each token used since the last drain, in no particular
   * order (the store orders its writes, see TokenStore.recordUsage), without counts (they stay
   * for `drain`). The entries themselves are handed over, not copies: with many tokens in use,
   * a copy (and a Date) per token each second was most of what writing `last_used` cost this
   * process.
   */
  drainLastUsed(): TokenUsage[] {
    if (this.#pending.size === 0) return [];
    const batch = [...this.#pending.values()];
    this.#pending = new Map();
    return batch;
  }

  /** Takes everything pending: `last_used` and the counts (in no particular order). */
  drain(): TokenUsage[] {
    const counts = this.#counts;
    if (counts.size === 0) return this.drainLastUsed();
    this.#counts = new Map();
    const byToken = this.#pending;
    this.#pending = new Map();
    for (const [tokenId, clients] of counts) {
      const entry = byToken.get(tokenId);
      if (entry) {
        entry.clients = clients;
        continue;
      }
      // Counted since the last full drain, its last_used written already: the same last use again.
      let last = clients[0]!;
      for (const c of clients) if (c.lastMs > last.lastMs) last = c;
      byToken.set(tokenId, { tokenId, atMs: last.lastMs, ip: last.ip, clients });
    }
    return [...byToken.values()];
  }

  /**
   * Puts a batch back after a failed write. Counts are added to what was counted since, so
   * that no request is lost nor counted twice; `last_used` keeps the newer use.
   */
  restore(batch: readonly TokenUsage[]): void {
    for (const u of batch) {
      const newer = this.#pending.get(u.tokenId);
      if (!newer) this.#pending.set(u.tokenId, { ...u, clients: NO_CLIENTS });
      else if (newer.ip === null) newer.ip = u.ip;
      if (u.clients.length === 0) continue;
      const counted = this.#counts.get(u.tokenId);
      this.#counts.set(u.tokenId, counted ? mergeClients(u.clients, counted) : u.clients);
    }
  }
}

/** The uses of `older` and `newer` together, one entry per client and day. */
function mergeClients(older: readonly ClientUse[], newer: ClientUse[]): ClientUse[] {
  const merged = older.map((c) => ({ ...c }));
  for (const c of newer) {
    const same = merged.find((m) => m.ip === c.ip && m.userAgent === c.userAgent && m.day === c.day);
    if (!same) {
      merged.push(c);
      continue;
    }
    same.firstMs = Math.min(same.firstMs, c.firstMs);
    same.lastMs = Math.max(same.lastMs, c.lastMs);
    same.requests += c.requests;
  }
  return merged;
}
