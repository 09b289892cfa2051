import { expect, it } from 'vitest';
import { describeOnEachDatabase, type TestApp } from '../test-support/test-app.js';

/* SPEC §9 rotation with overlap: grace_hours, and a token rotating itself. */

const HOUR = 3_600_000;
const me = async (t: TestApp, token: string) => (await t.request({ method: 'GET', url: '/api/users/me', token })).statusCode;

describeOnEachDatabase('rotation with a grace period', (app) => {
  it('the old secret keeps working until previous_secret_expires_at, then stops (cached or not); the new one works throughout', async () => {
    const t = app();
    const m = await t.makeUser();
    // Used (and cached) before the rotation.
    for (let i = 0; i < 3; i++) expect(await me(t, m.token)).toBe(200);
    const res = await t.request({ method: 'POST', url: `/api/user-tokens/${m.tokenId}/rotate`, token: m.token, payload: { grace_hours: 24 } });
    expect(res.statusCode, res.body).toBe(200);
    const rotated = res.json();
    expect(rotated.previous_secret_expires_at).toBe(new Date(t.clock.nowMs() + 24 * HOUR).toISOString().replace('.000Z', 'Z'));
    for (let i = 0; i < 3; i++) {
      expect(await me(t, m.token)).toBe(200);
      expect(await me(t, rotated.bearer_token)).toBe(200);
    }
    t.clock.advance(24 * HOUR - 1000);
    expect(await me(t, m.token)).toBe(200);
    t.clock.advance(1000);
    const refused = await t.request({ method: 'GET', url: '/api/users/me', token: m.token });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().code).toBe('INVALID_TOKEN');
    expect(await me(t, rotated.bearer_token)).toBe(200);
    const audit = (await t.request({ method: 'GET', url: '/api/audit-events?action=token.rotated', token: t.adminToken })).json().items[0];
    expect(audit.details).toMatchObject({ grace_hours: 24, previous_secret_expires_at: expect.any(String) });
  });

  it('revoking during the grace period stops both secrets at once; a second rotation ends the first one\'s overlap', async () => {
    const t = app();
    const m = await t.makeUser();
    const first = (await t.request({ method: 'POST', url: `/api/user-tokens/${m.tokenId}/rotate`, token: m.token, payload: { grace_hours: 48 } })).json();
    const second = (await t.request({ method: 'POST', url: `/api/user-tokens/${m.tokenId}/rotate`, token: first.bearer_token, payload: { grace_hours: 1 } })).json();
    expect(await me(t, m.token)).toBe(401); // the secret before the first rotation
    expect(await me(t, first.bearer_token)).toBe(200);
    expect(await me(t, second.bearer_token)).toBe(200);
    await t.request({ method: 'PUT', url: `/api/user-tokens/${m.tokenId}`, token: t.adminToken, payload: { revoke: true } });
    expect(await me(t, first.bearer_token)).toBe(401);
    expect(await me(t, second.bearer_token)).toBe(401);
  });

  it('without grace_hours the old secret stops at once; grace_hours outside 0–168 is a 422', async () => {
    const t = app();
    const m = await t.makeUser();
    const res = await t.request({ method: 'POST', url: `/api/user-tokens/${m.tokenId}/rotate`, token: m.token });
    expect(res.json().previous_secret_expires_at).toBeNull();
    expect(await me(t, m.token)).toBe(401);
    const bad = await t.request({ method: 'POST', url: `/api/user-tokens/${m.tokenId}/rotate`, token: res.json().bearer_token, payload: { grace_hours: 169 } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().field).toBe('grace_hours');
  });

  it('a service account\'s token rotates itself (self/rotate), within policy, with a grace period; it still cannot rotate a sibling', async () => {
    const t = app();
    const robot = await t.makeUser({ type: 'Service' });
    const sibling = await t.makeToken(t.adminToken, { name: 'sibling', user_id: robot.id });
    const res = await t.request({ method: 'POST', url: '/api/user-tokens/self/rotate', token: robot.token, payload: { expires_in_days: 30, grace_hours: 2 } });
    expect(res.statusCode, res.body).toBe(200);
    const at = (ms: number) => new Date(t.clock.nowMs() + ms).toISOString().replace('.000Z', 'Z');
    expect(res.json()).toMatchObject({ id: robot.tokenId, type: 'Service', expiration: at(30 * 24 * HOUR), previous_secret_expires_at: at(2 * HOUR) });
    expect(await me(t, robot.token)).toBe(200);
    expect(await me(t, res.json().bearer_token)).toBe(200);
    const other = await t.request({ method: 'POST', url: `/api/user-tokens/${sibling.id}/rotate`, token: res.json().bearer_token });
    expect(other.statusCode).toBe(403);
    // A bare POST keeps the token's lifetime.
    expect((await t.request({ method: 'POST', url: '/api/user-tokens/self/rotate', token: res.json().bearer_token })).statusCode).toBe(200);
  });

  it('self/rotate needs a token (a session has none: 403) and fits the policy (422 naming the limit)', async () => {
    const t = app();
    const cookie = await t.login();
    const bySession = await t.request({ method: 'POST', url: '/api/user-tokens/self/rotate', cookie, headers: { origin: 'http://localhost:80' } });
    expect(bySession.statusCode).toBe(403);
    const m = await t.makeUser();
    const policy = { max_expiry_days: { Personal: 30, Service: null }, idle_revoke_days: { Personal: null, Service: null }, expiry_reminder_days: [30, 7, 1] };
    await t.request({ method: 'PUT', url: '/api/policy', token: t.adminToken, payload: policy });
    try {
      const tooLong = await t.request({ method: 'POST', url: '/api/user-tokens/self/rotate', token: m.token, payload: { expires_in_days: 31 } });
      expect(tooLong.statusCode).toBe(422);
      expect(tooLong.json().detail).toBe('expires_in_days: must be at most 30 days by policy (max_expiry_days.Personal)');
    } finally {
      await t.request({ method: 'PUT', url: '/api/policy', token: t.adminToken, payload: { ...policy, max_expiry_days: { Personal: null, Service: null } } });
    }
  });
});
