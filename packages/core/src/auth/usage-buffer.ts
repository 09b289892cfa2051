import type { ClientUse, TokenUsage } from '../ports.js';

const DAY_MS = 86_400_000;

/** Longest user agent kept per client: longer ones are cut (they are free text a client chooses). */
export const MAX_USER_AGENT = 256;

/**
 * Collects each token's use in memory so that requests never write (SPEC §2, §10): its
 * `last_used` / `last_used_ip`, and its requests per UTC day and per client (ip + user agent).
 * The server drains it about once a second into one batched store write.
 *
 * A token used again from the client of its previous request (the usual case) updates that
 * client's entry in place: no allocation and no map lookup per request.
 */
export class UsageBuffer {
  #pending = new Map<number, TokenUsage>();

  /** @param countClients false keeps `last_used` only (the benchmark's "counting off"). */
  constructor(private readonly countClients = true) {}

  record(tokenId: number, atMs: number, ip: string | null, userAgent: string | null = null): void {
    let pending = this.#pending.get(tokenId);
    if (pending) {
      pending.atMs = atMs;
      pending.ip = ip ?? pending.ip;
    } else {
      pending = { tokenId, atMs, ip, clients: [] };
      this.#pending.set(tokenId, pending);
    }
    if (!this.countClients) return;
    const day = Math.floor(atMs / DAY_MS);
    const clients = pending.clients;
    // The most recent client first: most tokens have one client, so this is usually a hit.
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

  get size(): number {
    return this.#pending.size;
  }

  /**
   * Takes everything pending, in token id order (see TokenStore.recordUsage). The entries
   * themselves are handed over, not copies: with many tokens in use, a copy (and a Date) per
   * token each second was most of what writing `last_used` cost this process.
   */
  drain(): TokenUsage[] {
    if (this.#pending.size === 0) return [];
    const batch = [...this.#pending.values()].sort((a, b) => a.tokenId - b.tokenId);
    this.#pending = new Map();
    return batch;
  }

  /**
   * Puts a batch back after a failed write. Counts are added to what was recorded since, so
   * that no request is lost nor counted twice; `last_used` keeps the newer use.
   */
  restore(batch: readonly TokenUsage[]): void {
    for (const u of batch) {
      const newer = this.#pending.get(u.tokenId);
      if (!newer) {
        this.#pending.set(u.tokenId, u);
        continue;
      }
      if (newer.ip === null) newer.ip = u.ip;
      newer.clients = mergeClients(u.clients, newer.clients);
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
