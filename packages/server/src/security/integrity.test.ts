import { createTestDatabase, DIALECTS } from '@gatehouse/db/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { BASE, scimClient, USER } from '../scim/test-support/scim-client.js';
import { createServer, type GatehouseServer } from '../server.js';
import { describeOnEachDatabase, testPasswords, type TestApp } from '../test-support/test-app.js';

/*
 * Regression tests for issue 19 ("Integrity"): each reproduction of an Admin's decision being
 * undone, or of a race leaving the wrong state, over HTTP on both databases. The race tests
 * release their requests together and repeat 50 times.
 */

const PASSWORD = 'a-long-enough-password';
const TRIALS = 50;

/** A human with a browser session (and the Personal token makeUser gave them). */
async function humanWithSession(t: TestApp, role: 'Member' | 'Editor' | 'Manager' | 'Admin' = 'Member', teams?: string[]) {
  const u = await t.makeUser({ role, ...(teams ? { teams } : {}) });
  return { ...u, cookie: await t.login(u.userId, PASSWORD) };
}

const put = (t: TestApp, url: string, payload: unknown, cred: { token?: string; cookie?: string }) => t.request({ method: 'PUT', url, payload: payload as object, ...cred });
const post = (t: TestApp, url: string, payload: unknown, cred: { token?: string; cookie?: string }) => t.request({ method: 'POST', url, payload: payload as object, ...cred });

describeOnEachDatabase('integrity: revocation is final unless an Admin says otherwise', (app) => {
  it("a service account's second token can neither restore nor rotate the first after an Admin revoked it", async () => {
    const t = app();
    const sa = await t.makeUser({ type: 'Service', role: 'Editor' });
    const second = await t.makeToken(t.adminToken, { name: 'second', user_id: sa.id });
    expect((await put(t, `/api/user-tokens/${sa.tokenId}`, { revoke: true }, { token: t.adminToken })).json()).toMatchObject({
      active: false, revoked_by_id: t.adminId, revoke_reason: 'admin',
    });

    const restore = await put(t, `/api/user-tokens/${sa.tokenId}`, { revoke: false }, { token: second.bearer_token });
    expect(restore.statusCode).toBe(403);
    expect(restore.json()).toMatchObject({ code: 'FORBIDDEN', detail: "A service account's token cannot manage tokens" });
    const rotate = await post(t, `/api/user-tokens/${sa.tokenId}/rotate`, { expires_in_days: null }, { token: second.bearer_token });
    expect(rotate.statusCode).toBe(403);
    expect((await t.request({ method: 'GET', url: '/api/users/me', token: sa.token })).statusCode).toBe(401);

    // Nor may it manage a sibling that is still active, or make new ones.
    const sibling = await t.makeToken(t.adminToken, { name: 'sibling', user_id: sa.id });
    for (const res of [
      await post(t, `/api/user-tokens/${sibling.id}/rotate`, {}, { token: second.bearer_token }),
      await put(t, `/api/user-tokens/${sibling.id}`, { name: 'renamed' }, { token: second.bearer_token }),
      await put(t, `/api/user-tokens/${sibling.id}`, { revoke: true }, { token: second.bearer_token }),
      await post(t, '/api/user-tokens', { name: 'more' }, { token: second.bearer_token }),
    ]) expect(res.statusCode).toBe(403);
    const siblingNow = (await t.request({ method: 'GET', url: `/api/user-tokens/${sibling.id}`, token: t.adminToken })).json();
    expect(siblingNow).toMatchObject({ name: 'sibling', active: true });
  });

  it('the owner of a Personal token restores only a revocation of their own; one by an Admin needs an Admin', async () => {
    const t = app();
    const u = await humanWithSession(t);
    const tok = (await post(t, '/api/user-tokens', { name: 'laptop', expires_in_days: 30 }, { cookie: u.cookie })).json();
    const revoked = await put(t, `/api/user-tokens/${tok.id}`, { revoke: true }, { cookie: u.cookie });
    expect(revoked.json()).toMatchObject({ active: false, revoked_by_id: u.id, revoke_reason: 'owner' });
    expect((await put(t, `/api/user-tokens/${tok.id}`, { revoke: false }, { cookie: u.cookie })).json()).toMatchObject({
      active: true, revoked_by_id: null, revoke_reason: null, revoked_at: null,
    });

    await put(t, `/api/user-tokens/${tok.id}`, { revoke: true }, { token: t.adminToken });
    const refused = await put(t, `/api/user-tokens/${tok.id}`, { revoke: false }, { cookie: u.cookie });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().detail).toBe('This token was not revoked by you (reason: admin): only an Admin may restore it');
    expect((await t.request({ method: 'GET', url: `/api/user-tokens/${tok.id}`, cookie: u.cookie })).json()).toMatchObject({ active: false, revoke_reason: 'admin' });
    expect((await put(t, `/api/user-tokens/${tok.id}`, { revoke: false }, { token: t.adminToken })).json()).toMatchObject({ active: true });
  });

  it('PUT with a name and a revocation is one change: both or neither', async () => {
    const t = app();
    const u = await humanWithSession(t);
    const tok = (await post(t, '/api/user-tokens', { name: 'both', expires_in_days: 30 }, { cookie: u.cookie })).json();
    await post(t, '/api/user-tokens', { name: 'taken', expires_in_days: 30 }, { cookie: u.cookie });
    // The rename fails (name taken): the revocation made in the same request is undone with it.
    const clash = await put(t, `/api/user-tokens/${tok.id}`, { name: 'taken', revoke: true }, { cookie: u.cookie });
    expect(clash.statusCode).toBe(409);
    expect((await t.request({ method: 'GET', url: `/api/user-tokens/${tok.id}`, cookie: u.cookie })).json()).toMatchObject({ name: 'both', active: true });
    const events = (await t.request({ method: 'GET', url: `/api/audit-events?action=token.revoked&size=100`, token: t.adminToken })).json().items;
    expect(events.filter((e: { target_id: string }) => e.target_id === String(tok.id))).toEqual([]);
    const ok = await put(t, `/api/user-tokens/${tok.id}`, { name: 'renamed', revoke: true }, { cookie: u.cookie });
    expect(ok.json()).toMatchObject({ name: 'renamed', active: false, revoke_reason: 'owner' });
  });
});

describeOnEachDatabase('integrity: incident response ends all access', (app) => {
  it('after revoke-tokens, a stolen session cookie can no longer restore the revoked token (or do anything)', async () => {
    const t = app();
    const u = await humanWithSession(t);
    const tok = (await post(t, '/api/user-tokens', { name: 'stolen', expires_in_days: 30 }, { cookie: u.cookie })).json();
    const incident = await post(t, `/api/users/${u.id}/revoke-tokens`, {}, { token: t.adminToken });
    expect(incident.json().token_ids).toEqual(expect.arrayContaining([tok.id, u.tokenId]));
    const restore = await put(t, `/api/user-tokens/${tok.id}`, { revoke: false }, { cookie: u.cookie });
    expect(restore.statusCode).toBe(401);
    expect((await t.request({ method: 'GET', url: '/api/users/me', cookie: u.cookie })).statusCode).toBe(401);
    // Logged in again, the owner still cannot undo an incident revocation.
    const fresh = await t.login(u.userId, PASSWORD);
    const again = await put(t, `/api/user-tokens/${tok.id}`, { revoke: false }, { cookie: fresh });
    expect(again.statusCode).toBe(403);
    expect(again.json().detail).toContain('reason: incident');
  });

  it("after an Admin resets a user's password, the old session cookie no longer works and mints nothing", async () => {
    const t = app();
    const u = await humanWithSession(t);
    expect((await put(t, `/api/users/${u.id}`, { password: 'a-brand-new-password' }, { token: t.adminToken })).statusCode).toBe(200);
    const mint = await post(t, '/api/user-tokens', { name: 'forever', expires_in_days: null }, { cookie: u.cookie });
    expect(mint.statusCode).toBe(401);
    expect((await t.request({ method: 'GET', url: '/api/user-tokens', token: t.adminToken })).json().map((x: { name: string }) => x.name)).not.toContain('forever');
    await expect(t.login(u.userId, PASSWORD)).rejects.toThrow(/401/);
    expect(await t.login(u.userId, 'a-brand-new-password')).toMatch(/^gatehouse_session=/);
  });

  it('changing your own password ends your other sessions, not the one you changed it from', async () => {
    const t = app();
    const me = await humanWithSession(t, 'Admin');
    const other = await t.login(me.userId, PASSWORD);
    expect((await put(t, `/api/users/${me.id}`, { password: 'my-own-new-password' }, { cookie: me.cookie })).statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: '/api/users/me', cookie: me.cookie })).statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: '/api/users/me', cookie: other })).statusCode).toBe(401);
  });

  it('a person lists their sessions and ends one or all others; an Admin ends every session of another user', async () => {
    const t = app();
    const u = await humanWithSession(t);
    const laptop = await t.request({ method: 'POST', url: '/api/auth/login', payload: { email: u.userId, password: PASSWORD }, headers: { 'user-agent': 'laptop-browser/1.0' }, remoteAddress: '10.0.0.5' });
    const laptopCookie = String(laptop.headers['set-cookie']).split(';')[0]!;
    const phone = await t.login(u.userId, PASSWORD);

    const list = await t.request({ method: 'GET', url: '/api/auth/sessions', cookie: u.cookie });
    expect(list.statusCode).toBe(200);
    const sessions = list.json() as Array<{ id: number; current: boolean; ip: string | null; user_agent: string | null }>;
    // makeUser's own login, this test's, the laptop's and the phone's.
    expect(sessions).toHaveLength(4);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    const laptopSession = sessions.find((s) => s.user_agent === 'laptop-browser/1.0')!;
    expect(laptopSession).toMatchObject({ ip: '10.0.0.5', current: false });
    // With a token, no session is current.
    expect((await t.request({ method: 'GET', url: '/api/auth/sessions', token: u.token })).json().every((s: { current: boolean }) => !s.current)).toBe(true);

    expect((await t.request({ method: 'DELETE', url: `/api/auth/sessions/${laptopSession.id}`, cookie: u.cookie })).statusCode).toBe(204);
    expect((await t.request({ method: 'GET', url: '/api/users/me', cookie: laptopCookie })).statusCode).toBe(401);
    // Someone else's session is not found, not ended.
    const stranger = await humanWithSession(t);
    const mine = (await t.request({ method: 'GET', url: '/api/auth/sessions', cookie: u.cookie })).json()[0].id;
    expect((await t.request({ method: 'DELETE', url: `/api/auth/sessions/${mine}`, cookie: stranger.cookie })).statusCode).toBe(404);

    expect((await t.request({ method: 'DELETE', url: '/api/auth/sessions', cookie: u.cookie })).json()).toEqual({ ended: 2 });
    expect((await t.request({ method: 'GET', url: '/api/users/me', cookie: phone })).statusCode).toBe(401);
    expect((await t.request({ method: 'GET', url: '/api/users/me', cookie: u.cookie })).statusCode).toBe(200);

    expect((await t.request({ method: 'DELETE', url: `/api/users/${u.id}/sessions`, cookie: stranger.cookie })).statusCode).toBe(403);
    expect((await t.request({ method: 'DELETE', url: `/api/users/${u.id}/sessions`, token: t.adminToken })).json()).toEqual({ ended: 1 });
    expect((await t.request({ method: 'GET', url: '/api/users/me', cookie: u.cookie })).statusCode).toBe(401);
  });
});

describeOnEachDatabase('integrity: SCIM stays in its lane', (app) => {
  const scimUser = (userName: string, extra: Record<string, unknown> = {}) => ({ schemas: [USER], userName, name: { givenName: 'Sam', familyName: 'Smith' }, emails: [{ value: userName, primary: true }], ...extra });

  it('cannot reactivate an Admin whom another Admin deleted through the API — nor anyone an Admin deactivated', async () => {
    const t = app();
    const idp = await scimClient(t);
    const created = (await idp.post('/Users', scimUser('promoted@example.com'))).json();
    const id = Number(created.id);
    expect((await put(t, `/api/users/${id}`, { role: 'Admin', password: PASSWORD }, { token: t.adminToken })).json()).toMatchObject({ role: 'Admin', provisioned_by: 'scim' });
    expect((await t.request({ method: 'DELETE', url: `/api/users/${id}`, token: t.adminToken })).statusCode).toBe(204);

    for (const res of [
      await idp.patch(`/Users/${id}`, { op: 'Replace', path: 'active', value: 'True' }),
      await idp.put(`/Users/${id}`, scimUser('promoted@example.com', { active: true })),
    ]) {
      expect(res.statusCode, res.body).toBe(409);
      expect(res.json().detail).toContain('deactivated by a Gatehouse Admin');
    }
    expect((await t.request({ method: 'GET', url: `/api/users/${id}`, token: t.adminToken })).json().active).toBe(false);
    await expect(t.login('promoted@example.com', PASSWORD)).rejects.toThrow(/401/);
    // Once an Admin reactivates them, SCIM manages them again (and may deprovision them, Admin or not).
    await put(t, `/api/users/${id}`, { active: true }, { token: t.adminToken });
    expect((await idp.patch(`/Users/${id}`, { op: 'replace', path: 'active', value: false })).json().active).toBe(false);
    expect((await idp.patch(`/Users/${id}`, { op: 'replace', path: 'active', value: true })).json().active).toBe(true);
  });

  it('cannot reactivate, rename or delete a local Admin; the bootstrap Admin keeps their userName', async () => {
    const t = app();
    const idp = await scimClient(t);
    const local = await humanWithSession(t, 'Admin');
    await t.request({ method: 'DELETE', url: `/api/users/${local.id}`, token: t.adminToken });
    expect((await idp.patch(`/Users/${local.id}`, { op: 'replace', path: 'active', value: 'True' })).statusCode).toBe(403);
    const boot = (await idp.get(`/Users/${t.adminId}`)).json();
    expect((await idp.patch(`/Users/${t.adminId}`, { op: 'replace', path: 'userName', value: 'taken-over@example.com' })).statusCode).toBe(403);
    expect((await idp.put(`/Users/${t.adminId}`, { ...boot, userName: 'taken-over@example.com' })).statusCode).toBe(403);
    expect(await t.login()).toMatch(/^gatehouse_session=/);
  });

  it('a PUT without "active" keeps the current value: it never reactivates', async () => {
    const t = app();
    const idp = await scimClient(t);
    const id = (await idp.post('/Users', scimUser('paused@example.com'))).json().id;
    await idp.patch(`/Users/${id}`, { op: 'replace', path: 'active', value: false });
    const replaced = await idp.put(`/Users/${id}`, scimUser('paused@example.com', { displayName: 'Paused Person' }));
    expect(replaced.json()).toMatchObject({ active: false, displayName: 'Paused Person' });
    expect((await idp.get(`/Users/${id}`)).json().active).toBe(false);
  });

  it('cannot create or rename a person into a @service id (they would collide with service accounts)', async () => {
    const t = app();
    const idp = await scimClient(t);
    const res = await idp.post('/Users', scimUser('pipeline_automation@service'));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ scimType: 'invalidValue' });
    const id = (await idp.post('/Users', scimUser('robot-like@example.com'))).json().id;
    expect((await idp.patch(`/Users/${id}`, { op: 'replace', path: 'userName', value: 'Robot@SERVICE' })).statusCode).toBe(400);
    const sa = await t.request({ method: 'POST', url: '/api/users', token: t.adminToken, payload: { name: 'Pipeline Automation', role: 'Editor' } });
    expect(sa.json()).toMatchObject({ user_id: 'pipeline_automation@service', user_type: 'Service' });
  });

  it('a body nested 20,000 levels deep is a 400 invalidSyntax, never a 500; 32 levels are accepted', async () => {
    const t = app();
    const idp = await scimClient(t);
    const id = (await idp.post('/Users', scimUser('deep@example.com'))).json().id;
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const res = await t.request({
      method: 'PATCH', url: `${BASE}/Users/${id}`, token: idp.token,
      headers: { 'content-type': 'application/scim+json' },
      payload: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"title","value":${deep}}]}`,
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ scimType: 'invalidSyntax', detail: 'The body nests deeper than 32 levels' });
    // 32 levels in all (the body, Operations, its op, then nested values) pass the check.
    const nested = (n: number): unknown => (n === 0 ? 'x' : { a: nested(n - 1) });
    const ok = await idp.patch(`/Users/${id}`, { op: 'add', path: 'nickName', value: nested(28) });
    expect(ok.statusCode).not.toBe(500);
    expect(ok.json().scimType).not.toBe('invalidSyntax');
  });
});

describeOnEachDatabase('integrity: no oracle for datastores and teams', (app) => {
  it('an Editor puts datastores only into teams they belong to, refused alike whether the other team exists or not', async () => {
    const t = app();
    const editor = await t.makeUser({ role: 'Editor' });
    await post(t, '/api/teams', { name: 'Secret Ops' }, { token: t.adminToken });
    await post(t, '/api/teams', { name: 'Mine', user_ids: [editor.id] }, { token: t.adminToken });
    const existing = await post(t, '/api/datastores', { name: 'x1', type: 'postgresql', teams: ['Secret Ops'] }, { token: editor.token });
    const missing = await post(t, '/api/datastores', { name: 'x2', type: 'postgresql', teams: ['No Such Team'] }, { token: editor.token });
    expect(existing.statusCode).toBe(422);
    expect(missing.statusCode).toBe(422);
    expect(existing.json()).toMatchObject({ field: 'teams', detail: 'teams: you can only assign teams you belong to, not: Secret Ops' });
    expect(missing.json()).toMatchObject({ field: 'teams', detail: 'teams: you can only assign teams you belong to, not: No Such Team' });

    const mine = await post(t, '/api/datastores', { name: 'mine-ds', type: 'postgresql', teams: ['Mine'] }, { token: editor.token });
    expect(mine.statusCode).toBe(200);
    expect((await put(t, `/api/datastores/${mine.json().id}`, { teams: ['Secret Ops'] }, { token: editor.token })).statusCode).toBe(422);
    // A team the Editor cannot see stays on the datastore when they set its teams.
    await put(t, `/api/datastores/${mine.json().id}`, { teams: ['Mine', 'Secret Ops'] }, { token: t.adminToken });
    expect((await put(t, `/api/datastores/${mine.json().id}`, { teams: ['Mine', 'Public'] }, { token: editor.token })).statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: `/api/datastores/${mine.json().id}`, token: t.adminToken })).json().teams.sort()).toEqual(['Mine', 'Public', 'Secret Ops']);
  });

  it('a datastore name used in a team the Editor cannot see is no conflict for them; one they can see is', async () => {
    const t = app();
    const editor = await t.makeUser({ role: 'Editor' });
    await post(t, '/api/teams', { name: 'Hidden', user_ids: [] }, { token: t.adminToken });
    await post(t, '/api/teams', { name: 'Visible', user_ids: [editor.id] }, { token: t.adminToken });
    expect((await post(t, '/api/datastores', { name: 'payroll', type: 'snowflake', teams: ['Hidden'] }, { token: t.adminToken })).statusCode).toBe(200);
    const ok = await post(t, '/api/datastores', { name: 'payroll', type: 'postgresql', teams: ['Visible'] }, { token: editor.token });
    expect(ok.statusCode, ok.body).toBe(200);
    const again = await post(t, '/api/datastores', { name: 'payroll', type: 'postgresql', teams: ['Visible'] }, { token: editor.token });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'NAME_TAKEN', field: 'name' });
    // An Admin sees both: a third is a conflict for them.
    expect((await post(t, '/api/datastores', { name: 'payroll', type: 'bigquery' }, { token: t.adminToken })).statusCode).toBe(409);
    const renamed = await post(t, '/api/datastores', { name: 'ledger', type: 'bigquery', teams: ['Visible'] }, { token: editor.token });
    expect((await put(t, `/api/datastores/${renamed.json().id}`, { name: 'payroll' }, { token: editor.token })).statusCode).toBe(409);
  });

  it('a password typed into the e-mail field is not kept in the audit log, even when it looks like an address', async () => {
    const t = app();
    const res = await t.request({ method: 'POST', url: '/api/auth/login', payload: { email: 'Winter@Home.2024', password: 'whatever-was-typed' } });
    expect(res.statusCode).toBe(401);
    const events = (await t.request({ method: 'GET', url: '/api/audit-events?action=auth.login_failed&size=100', token: t.adminToken })).json().items;
    expect(JSON.stringify(events).toLowerCase()).not.toContain('winter@home.2024');
    expect(events[0]).toMatchObject({ action: 'auth.login_failed', outcome: 'failure', details: { typed_hash: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    // The same text typed twice gives the same hash (failures can still be correlated).
    await t.request({ method: 'POST', url: '/api/auth/login', payload: { email: 'winter@home.2024', password: 'x' } });
    const again = (await t.request({ method: 'GET', url: '/api/audit-events?action=auth.login_failed&size=1', token: t.adminToken })).json().items[0];
    expect(again.details.typed_hash).toBe(events[0].details.typed_hash);
  });
});

describeOnEachDatabase('integrity: concurrent guards have exactly one winner', (app) => {
  it(`25 parallel logins of one account check at most the 10 passwords the lockout allows (${TRIALS} trials)`, async () => {
    const t = app();
    const u = await t.makeUser();
    for (let trial = 0; trial < TRIALS; trial++) {
      await t.server.store.db.deleteFrom('login_attempts').execute();
      const right = trial % 25;
      const results = await Promise.all(
        Array.from({ length: 25 }, (_, i) => t.request({ method: 'POST', url: '/api/auth/login', payload: { email: u.userId, password: i === right ? PASSWORD : `wrong-${i}` } })),
      );
      const codes = results.map((r) => r.statusCode);
      // At most 10 wrong passwords are checked; the rest are refused unchecked. (A right one, once
      // accepted, stops counting as a failure, so it may let one more attempt through.)
      const wrongChecked = codes.filter((c, i) => c === 401 && i !== right).length;
      expect(wrongChecked, `trial ${trial}: ${codes.join(',')}`).toBeLessThanOrEqual(10);
      expect(codes.filter((c) => c !== 429).length).toBeGreaterThanOrEqual(10);
      expect(codes.filter((c) => c === 429).length).toBeGreaterThanOrEqual(14);
      expect(codes.every((c) => c === 200 || c === 401 || c === 429)).toBe(true);
      // Refused ones say when to retry.
      expect(results.find((r) => r.statusCode === 429)?.headers['retry-after']).toMatch(/^\d+$/);
    }
  }, 180_000);

  it(`two Admins demoting each other at the same moment: exactly one wins, an Admin remains (${TRIALS} trials)`, async () => {
    const t = app();
    const a = await t.makeUser({ role: 'Admin' });
    const b = await t.makeUser({ role: 'Admin' });
    // Leave exactly these two active Admins.
    expect((await put(t, `/api/users/${t.adminId}`, { role: 'Member' }, { token: a.token })).statusCode).toBe(200);
    try {
      for (let trial = 0; trial < TRIALS; trial++) {
        const [ra, rb] = await Promise.all([
          put(t, `/api/users/${b.id}`, trial % 2 ? { role: 'Member' } : { active: false }, { token: a.token }),
          put(t, `/api/users/${a.id}`, trial % 2 ? { role: 'Member' } : { active: false }, { token: b.token }),
        ]);
        // One wins; the other is refused by the last-Admin guard or, when the winner committed
        // before it was even authenticated, because its caller is no longer an active Admin.
        const won = [ra, rb].filter((r) => r.statusCode === 200);
        expect(won, `trial ${trial}: ${ra.body} / ${rb.body}`).toHaveLength(1);
        const lost = ra.statusCode === 200 ? rb : ra;
        expect(['LAST_ADMIN', 'INVALID_TOKEN', 'FORBIDDEN']).toContain(lost.json().code);
        const loser = ra.statusCode === 200 ? b : a;
        const winner = ra.statusCode === 200 ? a : b;
        const admins = (await t.request({ method: 'GET', url: '/api/users?size=1000', token: winner.token })).json().items.filter((x: { role: string; active: boolean }) => x.role === 'Admin' && x.active);
        expect(admins.map((x: { id: number }) => x.id)).toEqual([winner.id]);
        expect((await put(t, `/api/users/${loser.id}`, { role: 'Admin', active: true }, { token: winner.token })).statusCode).toBe(200);
      }
    } finally {
      await put(t, `/api/users/${t.adminId}`, { role: 'Admin' }, { token: a.token });
    }
  }, 180_000);
}, { GATEHOUSE_LIMIT_LOGIN_ACCOUNT: '10/15m' });

describe.each(DIALECTS)('integrity: first-Admin setup has one winner [$kind]', ({ kind, available }) => {
  let server: GatehouseServer | undefined;
  let drop: () => Promise<void> = async () => {};
  beforeAll(async () => {
    if (!available) return;
    const db = await createTestDatabase(kind);
    drop = db.drop;
    const config = loadConfig({
      GATEHOUSE_DATA_DIR: db.dataDir, GATEHOUSE_LOG_LEVEL: 'silent', GATEHOUSE_LIMIT_SETUP_IP: 'off', GATEHOUSE_LIMIT_LOGIN_IP: 'off',
      ...(db.databaseUrl ? { GATEHOUSE_DATABASE_URL: db.databaseUrl } : {}),
    });
    server = await createServer(config, { passwords: testPasswords, logger: false });
  });
  afterAll(async () => {
    await server?.close();
    await drop();
  });

  it.skipIf(!available)(`six concurrent setups with the one-time token create one Admin (${TRIALS} trials)`, async () => {
    const s = server!;
    for (let trial = 0; trial < TRIALS; trial++) {
      await s.store.db.deleteFrom('users').execute();
      s.app.gatehouse.setupToken.current = 'one-time-setup-token';
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          s.app.inject({ method: 'POST', url: '/api/auth/setup', payload: { setup_token: 'one-time-setup-token', email: `first-${i}@example.com`, name: `First ${i}`, password: PASSWORD } }),
        ),
      );
      const codes = results.map((r) => r.statusCode);
      expect(codes.filter((c) => c === 200), `trial ${trial}: ${codes.join(',')}`).toHaveLength(1);
      expect(codes.filter((c) => c === 403)).toHaveLength(5);
      expect(await s.store.users.count()).toBe(1);
      expect(await s.store.users.countActiveAdmins()).toBe(1);
    }
  }, 180_000);
});

describeOnEachDatabase('integrity: introspection is no unlimited oracle', (app) => {
  it('refused tokens sent to introspection count toward the invalid-token limit of the caller and are audited', async () => {
    const t = app();
    const resourceServer = await t.makeUser({ type: 'Service', role: 'Manager' });
    const ip = '198.51.100.7';
    const introspect = (token: string) => t.request({ method: 'POST', url: '/api/introspect', token: resourceServer.token, payload: { token }, remoteAddress: ip });
    for (let i = 0; i < 3; i++) expect((await introspect(`eyJhbGciOiJIUzI1NiJ9.e30.guess${i}`)).json()).toEqual({ active: false });
    const blocked = await introspect('eyJhbGciOiJIUzI1NiJ9.e30.guess4');
    expect(blocked.statusCode).toBe(429);
    await t.server.app.flushUsage();
    const failed = (await t.request({ method: 'GET', url: '/api/audit-events?action=auth.failed&size=100', token: t.adminToken })).json().items;
    expect(failed.filter((e: { ip: string }) => e.ip === ip).reduce((n: number, e: { details: { count: number } }) => n + e.details.count, 0)).toBe(3);
  });
}, { GATEHOUSE_LIMIT_INVALID_TOKEN: '3/1m' });

describeOnEachDatabase('integrity: one token-issuance budget per user', (app) => {
  it('tokens minted through the CLI browser login spend the same budget as POST /api/user-tokens', async () => {
    const t = app();
    const u = await humanWithSession(t); // makeUser's own token was the 1st issuance
    expect((await post(t, '/api/user-tokens', { name: 'two', expires_in_days: 30 }, { cookie: u.cookie })).statusCode).toBe(200);
    const params = new URLSearchParams({ redirect_uri: 'http://127.0.0.1:53682/callback', state: 's', hostname: 'box' });
    const page = await t.request({ method: 'GET', url: `/api/cli/authorize?${params.toString()}`, cookie: u.cookie });
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const approve = () =>
      t.request({
        method: 'POST', url: '/api/cli/authorize', cookie: u.cookie,
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost:80' },
        payload: new URLSearchParams({ ...Object.fromEntries(params), csrf, decision: 'approve', expires_in_days: '30' }).toString(),
      });
    expect((await approve()).statusCode).toBe(303); // the 3rd
    const refused = await approve();
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect((await post(t, '/api/user-tokens', { name: 'five', expires_in_days: 30 }, { cookie: u.cookie })).statusCode).toBe(429);
  });
}, { GATEHOUSE_LIMIT_TOKEN_CREATE: '3/1m' });
