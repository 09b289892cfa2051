import type { TokenUsage } from '../ports.js';

/**
 * Collects `last_used` / `last_used_ip` in memory so that requests never write; the server
 * drains it about once a second into one batched store write.
 */
export class UsageBuffer {
  #pending = new Map<number, TokenUsage>();

  record(tokenId: number, atMs: number, ip: string | null): void {
    const pending = this.#pending.get(tokenId);
    // A token used again within the interval updates its entry in place: no allocation per request.
    if (pending) {
      pending.atMs = atMs;
      pending.ip = ip ?? pending.ip;
    } else {
      this.#pending.set(tokenId, { tokenId, atMs, ip });
    }
  }

  get size(): number {
    return this.#pending.size;
  }

  /**
   * Takes everything pending, in no particular order (the store orders its writes, see
   * TokenStore.recordUsage). The entries
   * themselves are handed over, not copies: with many tokens in use, a copy (and a Date) per
   * token each second was most of what writing `last_used` cost this process.
   */
  drain(): TokenUsage[] {
    if (this.#pending.size === 0) return [];
    const batch = [...this.#pending.values()];
    this.#pending = new Map();
    return batch;
  }

  /** Puts a batch back after a failed write, without overwriting newer uses. */
  restore(batch: readonly TokenUsage[]): void {
    for (const u of batch) if (!this.#pending.has(u.tokenId)) this.#pending.set(u.tokenId, u);
  }
}
