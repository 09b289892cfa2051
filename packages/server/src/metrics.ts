import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Clock, TokenCache, TokenStore } from '@gatehouse/core';

export interface Metrics {
  registry: Registry;
  duration: Histogram<'method' | 'route' | 'status'>;
  authFailures: Counter<'reason'>;
  /** Records one request; label sets are bound once and reused (prom-client hashes labels on every call otherwise). */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
}

/** Prometheus metrics of one app (own registry, so that tests can build many apps). */
export function createMetrics(tokens: TokenStore, cache: TokenCache, clock: Clock): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'gatehouse_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status (its _count is the request count)',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const authFailures = new Counter({
    name: 'gatehouse_auth_failures_total',
    help: 'Refused credentials by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'gatehouse_tokens',
    help: 'Stored tokens by state',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      try {
        const counts = await tokens.countByState(clock.now());
        for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
      } catch {
        /* database down: the gauge keeps its last values; /readyz reports the outage */
      }
    },
  });
  new Gauge({
    name: 'gatehouse_token_cache_entries',
    help: 'Verified tokens held in this process cache',
    registers: [registry],
    collect() {
      this.set(cache.size);
    },
  });
  const bound = new Map<string, ReturnType<typeof duration.labels>>();
  const observeRequest = (method: string, route: string, status: number, seconds: number) => {
    const key = `${method} ${status} ${route}`;
    let child = bound.get(key);
    if (!child) bound.set(key, (child = duration.labels({ method, route, status: String(status) })));
    child.observe(seconds);
  };
  return { registry, duration, authFailures, observeRequest };
}
