import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { Clock, TokenCache, TokenStore } from '@gatehouse/core';

export interface Metrics {
  registry: Registry;
  /** Counts one refused credential (a plain map, copied into the counter when scraped). */
  authFailure(reason: string): void;
  /** A recorder of the requests of one route, made once per route (see RequestDurations). */
  routeRecorder(route: string): RouteRecorder;
}

/** Records one answered request of a route: its method, status and duration in seconds. */
export type RouteRecorder = (method: string, status: number, seconds: number) => void;

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

interface DurationSeries {
  labels: { method: string; route: string; status: string };
  /** Count per bucket (not cumulative); the last slot is +Inf. */
  counts: Float64Array;
  sum: number;
}

/**
 * The request-duration histogram, in prom-client's exposition format, recorded through
 * per-route recorders: prom-client's `observe` validates and hashes the label set on every
 * call, which costs as much as authenticating a cached token. Here a route's recorder finds its
 * series by status and method in a small map and adds to a typed array.
 */
class RequestDurations {
  readonly name = 'gatehouse_http_request_duration_seconds';
  readonly help = 'HTTP request latency by method, route and status (its _count is the request count)';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #series: DurationSeries[] = [];

  recorder(route: string): RouteRecorder {
    const byKey = new Map<number, DurationSeries>();
    const other = new Map<string, DurationSeries>();
    return (method, status, seconds) => {
      const m = METHODS.indexOf(method);
      let series = m >= 0 ? byKey.get(status * 8 + m) : other.get(`${method} ${status}`);
      if (series === undefined) {
        series = { labels: { method, route, status: String(status) }, counts: new Float64Array(DURATION_BUCKETS.length + 1), sum: 0 };
        if (m >= 0) byKey.set(status * 8 + m, series);
        else other.set(`${method} ${status}`, series);
        this.#series.push(series);
      }
      let i = 0;
      while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]!) i++;
      series.counts[i]!++;
      series.sum += seconds;
    };
  }

  get() {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const { labels, counts, sum } of this.#series) {
      let cumulative = 0;
      DURATION_BUCKETS.forEach((le, i) => {
        cumulative += counts[i]!;
        values.push({ labels: { ...labels, le }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      cumulative += counts[DURATION_BUCKETS.length]!;
      values.push({ labels: { ...labels, le: '+Inf' }, value: cumulative, metricName: `${this.name}_bucket` });
      values.push({ labels, value: sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: cumulative, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    for (const s of this.#series) {
      s.counts.fill(0);
      s.sum = 0;
    }
  }
}

/** Prometheus metrics of one app (own registry, so that tests can build many apps). */
export function createMetrics(tokens: TokenStore, cache: TokenCache, clock: Clock): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const durations = new RequestDurations();
  registry.registerMetric(durations as unknown as Metric);
  const failures = new Map<string, number>();
  new Counter({
    name: 'gatehouse_auth_failures_total',
    help: 'Refused credentials by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of failures) this.inc({ reason }, n);
    },
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
  return {
    registry,
    authFailure: (reason) => failures.set(reason, (failures.get(reason) ?? 0) + 1),
    routeRecorder: (route) => durations.recorder(route) };
}
