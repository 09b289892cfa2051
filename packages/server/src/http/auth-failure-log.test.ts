import { ManualClock, type AuditStore, type NewAuditEvent } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { AuthFailureLog } from './auth-failure-log.js';

/** An audit store that keeps what is appended. */
function capturingAudit(): AuditStore & { events: NewAuditEvent[] } {
  const events: NewAuditEvent[] = [];
  return {
    events,
    append: async (batch) => void events.push(...batch),
    list: async () => ({ items: [], total: 0, page: 1, size: 50 }),
  };
}

const summary = (events: NewAuditEvent[]) =>
  events.map((e) => ({ ip: e.ip, at: e.at.toISOString(), ...(e.details as { reason: string; count: number }) })).sort((a, b) => `${a.reason}${a.ip}`.localeCompare(`${b.reason}${b.ip}`));

describe('AuthFailureLog', () => {
  it('writes one auth.failed event per reason and address, with its count and first time', async () => {
    const clock = new ManualClock('2026-06-01T10:00:00Z');
    const log = new AuthFailureLog(clock);
    log.record('BAD_SIGNATURE', '198.51.100.1');
    clock.advance(1_000);
    log.record('BAD_SIGNATURE', '198.51.100.1');
    log.record('BAD_SIGNATURE', '198.51.100.2');
    log.record('EXPIRED', '198.51.100.1');
    log.record('EXPIRED', null);
    const audit = capturingAudit();
    await log.flush(audit);
    expect(audit.events.every((e) => e.action === 'auth.failed' && e.outcome === 'failure' && e.actorUserId === null)).toBe(true);
    expect(summary(audit.events)).toEqual([
      { reason: 'BAD_SIGNATURE', ip: '198.51.100.1', count: 2, at: '2026-06-01T10:00:00.000Z' },
      { reason: 'BAD_SIGNATURE', ip: '198.51.100.2', count: 1, at: '2026-06-01T10:00:01.000Z' },
      { reason: 'EXPIRED', ip: '198.51.100.1', count: 1, at: '2026-06-01T10:00:01.000Z' },
      { reason: 'EXPIRED', ip: null, count: 1, at: '2026-06-01T10:00:01.000Z' },
    ]);
  });

  it('starts afresh after a flush, and a flush with nothing pending writes nothing', async () => {
    const log = new AuthFailureLog(new ManualClock());
    log.record('MALFORMED', '192.0.2.1');
    const first = capturingAudit();
    await log.flush(first);
    const second = capturingAudit();
    await log.flush(second);
    expect(second.events).toEqual([]);
    log.record('MALFORMED', '192.0.2.1');
    await log.flush(second);
    expect(summary(second.events)).toMatchObject([{ reason: 'MALFORMED', count: 1 }]);
  });

  it('keeps at most 10,000 groups between flushes (a flood from many addresses stays bounded)', async () => {
    const log = new AuthFailureLog(new ManualClock());
    for (let i = 0; i < 10_050; i++) log.record('BAD_SIGNATURE', `10.0.${i >> 8}.${i & 255}`);
    log.record('BAD_SIGNATURE', '10.0.0.0'); // a group already kept still counts
    const audit = capturingAudit();
    await log.flush(audit);
    expect(audit.events).toHaveLength(10_000);
    expect(audit.events.find((e) => e.ip === '10.0.0.0')?.details).toEqual({ reason: 'BAD_SIGNATURE', count: 2 });
  });
});
