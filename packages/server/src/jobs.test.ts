import { ManualClock, UsageBuffer, type NewAuditEvent, type TokenUsage } from '@gatehouse/core';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthFailureLog } from './http/auth-failure-log.js';
import { Jobs } from './jobs.js';

/** The two writes the jobs make, recorded; `failUsage` makes the next `last_used` write fail. */
function fakeStore() {
  const usage: TokenUsage[][] = [];
  const audit: NewAuditEvent[][] = [];
  const store = {
    failUsage: false,
    tokens: {
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
  const failures = new AuthFailureLog(new ManualClock('2026-06-01T10:00:00Z'));
  const warnings: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
  const jobs = new Jobs({ store: store as never, usage: buffer, failures, log }, 1000);
  return { store, usage, audit, buffer, failures, warnings, jobs };
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
    expect(usage).toEqual([[{ tokenId: 1, atMs: 1_500, ip: '10.0.0.1' }, { tokenId: 2, atMs: 1_000, ip: '10.0.0.2' }]]);
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
    expect(usage).toEqual([[{ tokenId: 1, atMs: 1_000, ip: null }, { tokenId: 2, atMs: 2_000, ip: null }]]);
    await jobs.stop();
  });

  it('stop writes what is pending and ends the rounds', async () => {
    const { usage, buffer, jobs } = setUp();
    jobs.start();
    buffer.record(7, 1_000, null);
    await jobs.stop();
    expect(usage).toEqual([[{ tokenId: 7, atMs: 1_000, ip: null }]]);
    buffer.record(8, 2_000, null);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(usage).toHaveLength(1);
  });
});
