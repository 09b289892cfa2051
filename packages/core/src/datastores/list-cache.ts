import type { AuthChange } from '../auth/auth-changes.js';
import type { Datastore, Page } from '../model.js';
import type { DatastoreQuery } from '../ports.js';

/**
 * The pages of datastore lists this process has answered, by query (the viewer's teams
 * included), so that a list asked again is not read again: a Member's list is the hottest read
 * of the API after authentication, and one database round trip costs more than the rest of
 * the request (BENCHMARKS.md, scenario f).
 *
 * Guarantees:
 * - Every change that can alter a list (a datastore, a connection, a team) publishes a change
 *   on the cross-node feed after its commit, and `apply` drops every page on each node; a
 *   change of who is in which team changes the viewer's key instead.
 * - A page read while a change was applied is not kept (`generation`): a read that started
 *   before a commit and ends after its invalidation cannot store what the change made stale.
 * - While the feed is unhealthy (`setEnabled(false)`), nothing is cached or answered from here.
 * - At most `maxItems` datastores are held in all; past that the cache starts again empty.
 */
export class DatastoreListCache {
  readonly #pages = new Map<string, Page<Datastore>>();
  #items = 0;
  #generation = 0;
  #enabled = true;

  constructor(readonly maxItems = 20_000) {}

  /** The key of a query: every field that selects or orders, team ids in a stable order. */
  static keyOf(q: DatastoreQuery): string {
    const teams = q.visibleToTeamIds === undefined ? null : [...q.visibleToTeamIds].sort((a, b) => a - b);
    return JSON.stringify([teams, q.offset, q.limit, q.sort.by, q.sort.desc, q.name ?? null, q.types ?? null, q.tags ?? null, q.enrichmentOnly ?? null, q.search ?? null]);
  }

  /** The number to hand back to `put` with a page read after this call. */
  get generation(): number {
    return this.#generation;
  }

  get(key: string): Page<Datastore> | undefined {
    return this.#enabled ? this.#pages.get(key) : undefined;
  }

  /** Keeps `page` unless something was applied since `generation` was read. */
  put(key: string, page: Page<Datastore>, generation: number): void {
    if (!this.#enabled || generation !== this.#generation || this.maxItems === 0) return;
    if (this.#items + page.items.length > this.maxItems) this.clear();
    const previous = this.#pages.get(key);
    if (previous) this.#items -= previous.items.length;
    this.#pages.set(key, page);
    this.#items += page.items.length;
  }

  /** Applies a change from the feed: datastores changed, or anything may have (`all`). */
  apply(change: AuthChange): void {
    if (change.kind === 'datastores' || change.kind === 'all') this.clear();
  }

  setEnabled(enabled: boolean): void {
    this.#enabled = enabled;
    this.clear();
  }

  clear(): void {
    this.#generation++;
    this.#pages.clear();
    this.#items = 0;
  }
}
