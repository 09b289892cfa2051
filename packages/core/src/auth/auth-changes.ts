/**
 * Changes that affect authentication. Every node applies them to its token cache; with
 * PostgreSQL they travel between nodes by LISTEN/NOTIFY. `datastores`: a datastore list may
 * have changed (the lists' cache, `DatastoreListCache`; the token cache ignores it).
 */
export type AuthChange =
  | { kind: 'token'; tokenId: number }
  | { kind: 'user'; userId: number }
  | { kind: 'datastores' }
  | { kind: 'all' };

export interface AuthChangeBus {
  /** Resolves once the change is applied locally and handed to the other nodes. */
  publish(change: AuthChange): Promise<void>;
  subscribe(listener: (change: AuthChange) => void): () => void;
  /**
   * Whether changes made on other nodes are being received. While not, a node must not cache
   * authentication answers. A single-process bus is always healthy and may omit both members.
   */
  readonly healthy?: boolean;
  onHealthChange?(listener: (healthy: boolean) => void): void;
}

/** The bus of a single process. */
export class LocalAuthChangeBus implements AuthChangeBus {
  readonly #listeners = new Set<(change: AuthChange) => void>();

  publish(change: AuthChange): Promise<void> {
    this.deliver(change);
    return Promise.resolve();
  }

  /** Hands a change to the local listeners (also used for changes received from other nodes). */
  deliver(change: AuthChange): void {
    for (const l of this.#listeners) l(change);
  }

  subscribe(listener: (change: AuthChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
