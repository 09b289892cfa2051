import { expect, it } from 'vitest';
import { describeOnEachDatabase, type TestApp } from '../test-support/test-app.js';

const NO_LIMITS_POLICY = { max_expiry_days: { Personal: null, Service: null }, idle_revoke_days: { Personal: null, Service: null }, expiry_reminder_days: [30, 7, 1] };

async function putPolicy(t: TestApp, body: unknown) {
  return t.request({ method: 'PUT', url: '/api/policy', token: t.adminToken, payload: body });
}

describeOnEachDatabase('policy (SPEC §9)', (app) => {
  it('defaults to no limits and reminders at 30, 7 and 1 days; an Admin replaces it; the change is audited', async () => {
    const t = app();
    const first = await t.request({ method: 'GET', url: '/api/policy', token: t.adminToken });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual(NO_LIMITS_POLICY);
    const next = { max_expiry_days: { Personal: 90, Service: 365 }, idle_revoke_days: { Personal: 90, Service: null }, expiry_reminder_days: [1, 30, 7] };
    const put = await putPolicy(t, next);
    expect(put.statusCode).toBe(200);
    expect(put.json()).toEqual({ ...next, expiry_reminder_days: [30, 7, 1] });
    expect((await t.request({ method: 'GET', url: '/api/policy', token: t.adminToken })).json()).toEqual(put.json());
    const audit = await t.request({ method: 'GET', url: '/api/audit-events?action=policy.updated', token: t.adminToken });
    expect(audit.json().items[0]).toMatchObject({ action: 'policy.updated', details: { before: NO_LIMITS_POLICY, after: put.json() } });
    await putPolicy(t, NO_LIMITS_POLICY);
  });

  it('only Admins read or change it (403 for a Manager)', async () => {
    const t = app();
    const manager = await t.makeUser({ role: 'Manager' });
    expect((await t.request({ method: 'GET', url: '/api/policy', token: manager.token })).statusCode).toBe(403);
    expect((await t.request({ method: 'PUT', url: '/api/policy', token: manager.token, payload: NO_LIMITS_POLICY })).statusCode).toBe(403);
  });

  it('bad input is a 422 naming the field', async () => {
    const t = app();
    for (const [body, field] of [
      [{ ...NO_LIMITS_POLICY, max_expiry_days: { Personal: 0, Service: null } }, 'max_expiry_days'],
      [{ ...NO_LIMITS_POLICY, expiry_reminder_days: [7, 7] }, 'expiry_reminder_days'],
      [{ ...NO_LIMITS_POLICY, idle_revoke_days: { Personal: null } }, 'idle_revoke_days.Service'],
    ] as const) {
      const res = await putPolicy(t, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(res.json().detail).toContain(field);
    }
  });

  it('new and rotated tokens must fit it: 422 naming the limit; "Never" only where no limit is set', async () => {
    const t = app();
    const robot = await t.makeUser({ type: 'Service' });
    const member = await t.makeUser();
    await putPolicy(t, { ...NO_LIMITS_POLICY, max_expiry_days: { Personal: 30, Service: 365 } });
    try {
      const tooLong = await t.request({ method: 'POST', url: '/api/user-tokens', token: member.token, payload: { name: 'long', expires_in_days: 60 } });
      expect(tooLong.statusCode).toBe(422);
      expect(tooLong.json()).toMatchObject({ code: 'INVALID_INPUT', field: 'expires_in_days', detail: 'expires_in_days: must be at most 30 days by policy (max_expiry_days.Personal)' });
      const never = await t.request({ method: 'POST', url: '/api/user-tokens', token: member.token, payload: { name: 'never' } });
      expect(never.statusCode).toBe(422);
      expect(never.json().detail).toBe('expires_in_days: tokens must expire within 30 days by policy (max_expiry_days.Personal)');
      expect((await t.request({ method: 'POST', url: '/api/user-tokens', token: member.token, payload: { name: 'ok', expires_in_days: 30 } })).statusCode).toBe(200);
      // Service tokens have their own limit.
      const svc = await t.request({ method: 'POST', url: '/api/user-tokens', token: t.adminToken, payload: { name: 'year', user_id: robot.id, expires_in_days: 365 } });
      expect(svc.statusCode).toBe(200);
      const svcNever = await t.request({ method: 'POST', url: '/api/user-tokens', token: t.adminToken, payload: { name: 'forever', user_id: robot.id } });
      expect(svcNever.json().detail).toContain('max_expiry_days.Service');
      // Rotation keeps the original lifetime (here: never), which no longer fits: refused, naming the limit.
      const rotate = await t.request({ method: 'POST', url: `/api/user-tokens/${member.tokenId}/rotate`, token: member.token });
      expect(rotate.statusCode).toBe(422);
      expect(rotate.json().detail).toContain('max_expiry_days.Personal');
      // Existing tokens that break the new policy keep working; the access review reports them.
      expect((await t.request({ method: 'GET', url: '/api/users/me', token: member.token })).statusCode).toBe(200);
      const review = (await t.request({ method: 'GET', url: `/api/access-review?format=json&owner=${encodeURIComponent(member.userId)}`, token: t.adminToken })).json() as Array<{ id: number; policy_violations: string[] }>;
      expect(review.find((r) => r.id === member.tokenId)?.policy_violations).toContain('never expires (max_expiry_days.Personal: 30)');
    } finally {
      await putPolicy(t, NO_LIMITS_POLICY);
    }
  });
});
