interface Waiter<V> {
  resolve: (value: V | undefined) => void;
  reject: (error: unknown) => void;
}

/**
 * Coalesces the point lookups asked for during one turn of the event loop into one query per
 * `maxBatch` keys. Under load a node receives many never-seen tokens at once (a deploy rolling
 * out new CI tokens, a fleet restarting), and on PostgreSQL a statement for 50 keys costs little
 * more than one for a single key: the round trip and the per-statement work dominate the
 * per-row work, on both sides of the connection. The batch is sent from `setImmediate`, i.e.
 * once the event loop has read every request that was waiting, so a lone lookup waits for
 * nothing. The same key asked twice in one turn is fetched once.
 */
export class LookupBatcher<K, V> {
  #pending = new Map<K, Waiter<V>[]>();
  #scheduled = false;

  constructor(
    private readonly fetch: (keys: K[]) => Promise<Map<K, V>>,
    private readonly maxBatch = 100,
  ) {}

  load(key: K): Promise<V | undefined> {
    return new Promise<V | undefined>((resolve, reject) => {
      const waiters = this.#pending.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.#pending.set(key, [{ resolve, reject }]);
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(this.#flush);
      }
    });
  }

  readonly #flush = (): void => {
    this.#scheduled = false;
    const pending = this.#pending;
    this.#pending = new Map();
    const keys = [...pending.keys()];
    for (let i = 0; i < keys.length; i += this.maxBatch) {
      const chunk = keys.slice(i, i + this.maxBatch);
      const settle = (each: (w: Waiter<V>, key: K) => void) => {
        for (const key of chunk) for (const w of pending.get(key)!) each(w, key);
      };
      this.fetch(chunk).then(
        (found) => settle((w, key) => w.resolve(found.get(key))),
        (error: unknown) => settle((w) => w.reject(error)),
      );
    }
  };
}
