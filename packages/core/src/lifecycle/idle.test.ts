import { describe, expect, it } from 'vitest';
import { effectiveIdleDays } from './jobs.js';
import { DEFAULT_POLICY, type LifecyclePolicy } from './model.js';
import { ownIdleDaysFor } from './policy.js';

const policy = (Personal: number | null): LifecyclePolicy => ({ ...DEFAULT_POLICY, idleRevokeDays: { Personal, Service: null } });

describe("a token's own idle limit (SPEC §9)", () => {
  it('is the shorter of its own and its type policy; a policy tightened after the token was made wins', () => {
    expect(effectiveIdleDays(policy(30), { type: 'Personal', idleRevokeDays: 10 })).toBe(10);
    expect(effectiveIdleDays(policy(30), { type: 'Personal', idleRevokeDays: null })).toBe(30);
    expect(effectiveIdleDays(policy(30), { type: 'Personal', idleRevokeDays: 60 })).toBe(30);
    expect(effectiveIdleDays(policy(null), { type: 'Personal', idleRevokeDays: 60 })).toBe(60);
    expect(effectiveIdleDays(policy(null), { type: 'Personal' })).toBeNull();
    expect(effectiveIdleDays(policy(30), { type: 'Service', idleRevokeDays: null })).toBeNull();
  });

  it('may only shorten the policy when set', () => {
    expect(ownIdleDaysFor(policy(30), 'Personal', 30)).toBe(30);
    expect(ownIdleDaysFor(policy(null), 'Personal', 400)).toBe(400);
    expect(ownIdleDaysFor(policy(30), 'Personal', null)).toBeNull();
    expect(() => ownIdleDaysFor(policy(30), 'Personal', 31)).toThrow(/at most 30 days by policy \(idle_revoke_days.Personal\)/);
    expect(() => ownIdleDaysFor(policy(30), 'Personal', 1.5)).toThrow(/integer/);
  });
});
