import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../clock.js';
import { DEFAULT_POLICY, type LifecyclePolicy } from './model.js';
import { policyViolations } from './violations.js';

const NOW = new Date('2026-06-01T10:00:00Z');
const ago = (days: number) => new Date(NOW.getTime() - days * DAY_MS);
const ahead = (days: number) => new Date(NOW.getTime() + days * DAY_MS);
const STRICT: LifecyclePolicy = { maxExpiryDays: { Personal: 90, Service: 365 }, idleRevokeDays: { Personal: 30, Service: null }, expiryReminderDays: [30] };
const token = (extra: Partial<Parameters<typeof policyViolations>[0]> = {}) => ({
  type: 'Personal' as const, created: ago(10), expiration: ahead(20) as Date | null, lastUsed: ago(1) as Date | null, revokedAt: null as Date | null, ...extra,
});

describe('policyViolations', () => {
  it.each([
    ['within policy', token(), []],
    ['"Never" where a maximum is set', token({ expiration: null }), ['never expires (max_expiry_days.Personal: 90)']],
    ['a lifetime over the maximum', token({ created: ago(10), expiration: ahead(355) }), ['lifetime 365 days (max_expiry_days.Personal: 90)']],
    ['unused for the idle limit', token({ lastUsed: null, created: ago(45), expiration: ahead(30) }), ['unused for 45 days (idle_revoke_days.Personal: 30)']],
    ['a Service token under its own limits', token({ type: 'Service', expiration: ahead(300), lastUsed: null, created: ago(60) }), []],
    ['a revoked token (nothing to report)', token({ expiration: null, revokedAt: ago(1) }), []],
    ['an expired token', token({ expiration: ago(1), created: ago(400) }), []],
  ] as const)('%s', (_title, t, expected) => {
    expect(policyViolations(t, STRICT, NOW)).toEqual(expected);
  });

  it('reports nothing under the default policy (no limits)', () => {
    expect(policyViolations(token({ expiration: null, lastUsed: null, created: ago(900) }), DEFAULT_POLICY, NOW)).toEqual([]);
  });
});
