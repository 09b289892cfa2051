import { ManualClock, UsageBuffer, type NewAuditEvent, type TokenUsage } from '@gatehouse/core';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthFailureLog } from './http/auth-failure-log.js';
import { COUNTS_HELD_MAX, Jobs } from './jobs.js';

/** The two writes the jobs make, recorded; `failUsage` makes the next `last_used` write fail. */
function fakeStore() {
  const usage: TokenUsage[][] = [];
  const audit: NewAuditEvent[][] = [];
  const pruned: [string, string][] = [];
  const store = {
    failUsage: false,
    pruned,
    tokens: {
      pruneUsage: async (beforeDay: string, before: Date) => {
        pruned.push([beforeDay, before.toISOString()]);
        return 0;
      },
      recordUsage: async (batch: TokenUsage[]) => {
        if (store.failUsage) throw new Error('database is down');
        // In id order, as the store writes them (the buffer hands them over in any order).
        usage.push(batch.map((u) => ({ ...u })).sort((a, b) => a.tokenId - b.tokenId));
      },
    },
    audit: { append: async (events: NewAuditEvent[]) => void audit.push(events) },
  };
  return { store, usage, audit };
}

function setUp() {
  const { store, usage, audit } = fakeStore();
  const buffer = new UsageBuffer();
  const clock = new ManualClock('2026-06-01T10:00:00Z');
  const failures = new AuthFailureLog(clock);
  const warnings: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
  const jobs = new Jobs({ store: store as never, usage: buffer, failures, log, clock }, 1000);
  return { clock, log, store, usage, audit, buffer, failures, warnings, jobs };
}

describe('Jobs (what requests leave to be written behind)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes last_used and the grouped auth failures every round while started, nothing before', async () => {
    const { usage, audit, buffer, failures, jobs } = setUp();
    buffer.record(2, 1_000, '10.0.0.2');
    buffer.record(1, 1_500, '10.0.0.1');
    failures.record('BAD_SIGNATURE', '10.0.0.9');
    failures.record('BAD_SIGNATURE', '10.0.0.9');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(usage).toEqual([]);
    jobs.start();
    await vi.advanceTimersByTimeAsync(999);
    expect(usage).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(usage).toMatchObject([[{ tokenId: 1, atMs: 1_500, ip: '10.0.0.1' }, { tokenId: 2, atMs: 1_000, ip: '10.0.0.2' }]]);
    expect(audit).toEqual([[expect.objectContaining({ action: 'auth.failed', ip: '10.0.0.9', details: { reason: 'BAD_SIGNATURE', count: 2 } })]]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(usage).toHaveLength(1); // nothing new, nothing written
    await jobs.stop();
  });

  it('puts a failed last_used write back, with a warning, and writes it on the next round without losing newer uses', async () => {
    const { store, usage, buffer, warnings, jobs } = setUp();
    jobs.start();
    buffer.record(1, 1_000, null);
    store.failUsage = true;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(warnings).toEqual(['could not write last_used; will retry']);
    buffer.record(2, 2_000, null);
    store.failUsage = false;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(usage).toMatchObject([[{ tokenId: 1, atMs: 1_000, ip: null }, { tokenId: 2, atMs: 2_000, ip: null }]]);
    await jobs.stop();
  });

  it('stop writes what is pending and ends the rounds', async () => {
    const { usage, buffer, jobs } = setUp();
    jobs.start();
    buffer.record(7, 1_000, null);
    await jobs.stop();
    expect(usage).toMatchObject([[{ tokenId: 7, atMs: 1_000, ip: null }]]);
    buffer.record(8, 2_000, null);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(usage).toHaveLength(1);
  });

  it('a failed write put back is added to the requests counted since: none lost, none counted twice', async () => {
    const { store, usage, buffer, jobs } = setUp();
    jobs.start();
    buffer.record(1, 1_000, '10.0.0.1', 'cli/1');
    buffer.record(1, 1_100, '10.0.0.1', 'cli/1');
    store.failUsage = true;
    await vi.advanceTimersByTimeAsync(1_000);
    buffer.record(1, 1_900, '10.0.0.1', 'cli/1');
    buffer.record(1, 1_950, '10.0.0.2', 'cli/2');
    store.failUsage = false;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(usage).toEqual([[{
      tokenId: 1, atMs: 1_950, ip: '10.0.0.2',
      clients: [
        { ip: '10.0.0.1', userAgent: 'cli/1', day: 0, firstMs: 1_000, lastMs: 1_900, requests: 3 },
        { ip: '10.0.0.2', userAgent: 'cli/2', day: 0, firstMs: 1_950, lastMs: 1_950, requests: 1 },
      ],
    }]]);
    await jobs.stop();
  });

  it('prunes usage older than 400 days at start and every hour, by the clock', async () => {
    const { clock, store, jobs } = setUp();
    jobs.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(store.pruned).toEqual([['2025-04-27', '2025-04-27T10:00:00.000Z']]);
    clock.advance(86_400_000);
    await vi.advanceTimersByTimeAsync(3_600_000 - 1);
    expect(store.pruned).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(store.pruned[1]).toEqual(['2025-04-28', '2025-04-28T10:00:00.000Z']);
    await jobs.stop();
  });

  it('writes last_used every round and the counts every countsEveryMs; flushUsage writes both', async () => {
    const { store, usage, buffer, failures, log, clock } = setUp();
    const jobs = new Jobs({ store: store as never, usage: buffer, failures, log, clock }, 1000, 3000);
    jobs.start();
    buffer.record(1, 1_000, '10.0.0.1', 'cli/1');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(usage).toEqual([[{ tokenId: 1, atMs: 1_000, ip: '10.0.0.1', clients: [] }]]);
    buffer.record(1, 1_500, '10.0.0.1', 'cli/1');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(usage[2]).toEqual([{ tokenId: 1, atMs: 1_500, ip: '10.0.0.1', clients: [{ ip: '10.0.0.1', userAgent: 'cli/1', day: 0, firstMs: 1_000, lastMs: 1_500, requests: 2 }] }]);
    buffer.record(2, 2_000, null, null);
    await jobs.flushUsage();
    expect(usage[3]).toMatchObject([{ tokenId: 2, clients: [{ requests: 1 }] }]);
    await jobs.stop();
  });

  it('writes the counts early once COUNTS_HELD_MAX tokens are counted (bounded memory)', async () => {
    const { store, usage, buffer, failures, log, clock } = setUp();
    const jobs = new Jobs({ store: store as never, usage: buffer, failures, log, clock }, 1000, 3_600_000);
    jobs.start();
    for (let id = 1; id < COUNTS_HELD_MAX; id++) buffer.record(id, 1_000, null, 'a');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(usage[0]!.every((u) => u.clients.length === 0)).toBe(true);
    buffer.record(COUNTS_HELD_MAX, 2_000, null, 'a');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(usage[1]).toHaveLength(COUNTS_HELD_MAX);
    expect(usage[1]!.every((u) => u.clients.length === 1)).toBe(true);
    expect(buffer.countedTokens).toBe(0);
    await jobs.stop();
  });
});
