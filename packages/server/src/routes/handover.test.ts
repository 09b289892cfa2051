import { afterAll, expect, it, vi } from 'vitest';
import { startMailCatcher } from '../test-support/mail-catcher.js';
import { describeOnEachDatabase } from '../test-support/test-app.js';

/* SPEC §9 owner departure: a leaver's automation moved onto a service account. */

describeOnEachDatabase('owner departure: handover', (app) => {
  it('lists the tokens a deactivated person used in the last 30 days with their clients, and moves them onto a new service account', async () => {
    const t = app();
    const leaver = await t.makeUser({ name: 'Leaver' });
    const ci = await t.makeToken(leaver.token, { name: 'nightly-export', expires_in_days: 90 });
    await t.makeToken(leaver.token, { name: 'never-used', expires_in_days: 90 });
    for (const token of [leaver.token, ci.bearer_token]) expect((await t.request({ method: 'GET', url: '/api/users/me', token })).statusCode).toBe(200);
    await t.server.app.flushUsage();
    await t.request({ method: 'PUT', url: `/api/users/${leaver.id}`, token: t.adminToken, payload: { active: false } });
    expect((await t.request({ method: 'GET', url: '/api/users/me', token: ci.bearer_token })).statusCode).toBe(401);

    const list = await t.request({ method: 'GET', url: `/api/users/${leaver.id}/handover`, token: t.adminToken });
    expect(list.statusCode).toBe(200);
    expect(list.json().tokens.map((x: { name: string }) => x.name).sort()).toEqual(['mine', 'nightly-export']);
    expect(list.json().tokens.find((x: { name: string }) => x.name === 'nightly-export')).toMatchObject({ clients: [{ ip: '127.0.0.1' }], last_used: expect.any(String) });

    const moved = await t.request({ method: 'POST', url: `/api/users/${leaver.id}/handover`, token: t.adminToken, payload: { service_account: { name: `Export Automation ${leaver.id}`, role: 'Member' } } });
    expect(moved.statusCode, moved.body).toBe(200);
    const body = moved.json();
    expect(body.service_account).toMatchObject({ user_type: 'Service', role: 'Member' });
    const nightly = body.tokens.find((x: { name: string }) => x.name === 'nightly-export');
    expect(nightly).toMatchObject({ type: 'Service', user: { id: body.service_account.id }, expiration: ci.expiration });
    // The new secrets work at once, as the service account.
    const me = await t.request({ method: 'GET', url: '/api/users/me', token: nightly.bearer_token });
    expect(me.json()).toMatchObject({ id: body.service_account.id, user_type: 'Service' });
    const audit = (await t.request({ method: 'GET', url: '/api/audit-events?action=user.handover', token: t.adminToken })).json().items[0];
    expect(audit).toMatchObject({ target_id: String(leaver.id), details: { service_account_id: body.service_account.id } });
  });

  it('onto an existing service account, within the policy for Service tokens; refusals are clear', async () => {
    const t = app();
    const leaver = await t.makeUser();
    await t.request({ method: 'GET', url: '/api/users/me', token: leaver.token });
    await t.server.app.flushUsage();
    const robot = await t.makeUser({ type: 'Service' });
    const policy = { max_expiry_days: { Personal: null, Service: 30 }, idle_revoke_days: { Personal: null, Service: null }, expiry_reminder_days: [30, 7, 1] };
    await t.request({ method: 'PUT', url: '/api/policy', token: t.adminToken, payload: policy });
    try {
      const moved = await t.request({ method: 'POST', url: `/api/users/${leaver.id}/handover`, token: t.adminToken, payload: { service_account_id: robot.id } });
      expect(moved.statusCode, moved.body).toBe(200);
      // "mine" never expired; Service tokens must expire within 30 days now.
      expect(moved.json().tokens[0].expiration).toBe(new Date(t.clock.nowMs() + 30 * 86_400_000).toISOString().replace('.000Z', 'Z'));
    } finally {
      await t.request({ method: 'PUT', url: '/api/policy', token: t.adminToken, payload: { ...policy, max_expiry_days: { Personal: null, Service: null } } });
    }
    const neither = await t.request({ method: 'POST', url: `/api/users/${leaver.id}/handover`, token: t.adminToken, payload: {} });
    expect(neither.statusCode).toBe(422);
    expect(neither.json().field).toBe('service_account_id');
    const human = await t.request({ method: 'POST', url: `/api/users/${leaver.id}/handover`, token: t.adminToken, payload: { service_account_id: t.adminId } });
    expect(human.json()).toMatchObject({ field: 'service_account_id', detail: 'service_account_id: is not a service account' });
    const member = await t.makeUser();
    expect((await t.request({ method: 'GET', url: `/api/users/${leaver.id}/handover`, token: member.token })).statusCode).toBe(403);
  });

  it("keeps each token's scopes and IP allowlist, and stays within the scopes of the token that calls it (SPEC §11)", async () => {
    const t = app();
    const leaver = await t.makeUser();
    const narrow = await t.makeToken(leaver.token, { name: 'dashboards', scopes: ['datastores:read'], allowed_ips: ['127.0.0.0/8'] });
    expect((await t.request({ method: 'GET', url: '/api/datastores', token: narrow.bearer_token })).statusCode).toBe(200);
    await t.server.app.flushUsage();
    const robot = await t.makeUser({ type: 'Service' });
    const tokensOnly = await t.makeToken(t.adminToken, { name: 'handover-bot', scopes: ['tokens:write'] });
    const create = await t.request({ method: 'POST', url: `/api/users/${leaver.id}/handover`, token: tokensOnly.bearer_token, payload: { service_account: { name: `Scoped ${leaver.id}`, role: 'Member' } } });
    expect([create.statusCode, create.json().code]).toEqual([403, 'INSUFFICIENT_SCOPE']);
    const moved = await t.request({ method: 'POST', url: `/api/users/${leaver.id}/handover`, token: t.adminToken, payload: { service_account_id: robot.id } });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json().tokens.find((x: { name: string }) => x.name === 'dashboards')).toMatchObject({ scopes: ['datastores:read'], allowed_ips: ['127.0.0.0/8'] });
  });
});

const catcher = await startMailCatcher();
afterAll(() => catcher.close());

describeOnEachDatabase('owner departure: the handover is mailed', (app) => {
  it("tells the service account's owners what was moved onto it and from where, without a secret", async () => {
    const t = app();
    const leaver = await t.makeUser({ name: 'Departing Dana' });
    const ci = await t.makeToken(leaver.token, { name: 'nightly-export', expires_in_days: 90 });
    expect((await t.request({ method: 'GET', url: '/api/users/me', token: ci.bearer_token })).statusCode).toBe(200);
    await t.server.app.flushUsage();
    await t.request({ method: 'PUT', url: `/api/users/${leaver.id}`, token: t.adminToken, payload: { active: false } });
    const robot = await t.makeUser({ type: 'Service', name: `Exports ${leaver.id}` });
    const owner = await t.makeUser({ name: 'Owner Olga' });
    expect((await t.request({ method: 'PUT', url: `/api/users/${robot.id}/owners`, token: t.adminToken, payload: { owner_ids: [owner.id] } })).statusCode).toBe(200);

    const moved = await t.request({ method: 'POST', url: `/api/users/${leaver.id}/handover`, token: t.adminToken, payload: { service_account_id: robot.id } });
    expect(moved.statusCode, moved.body).toBe(200);
    const secrets: string[] = moved.json().tokens.map((x: { bearer_token: string }) => x.bearer_token);
    const nightly = moved.json().tokens.find((x: { name: string }) => x.name === 'nightly-export');

    // One catcher for both databases: this app's mail names this leaver.
    const mine = () => catcher.mails.filter((m) => m.subject.includes('Departing Dana') && m.body.includes(`(${leaver.userId})`));
    await vi.waitFor(() => expect(mine()).toHaveLength(1), { timeout: 5000 });
    const [mail] = mine();
    // The account's owners (set: Olga, not the Admin who created it).
    expect(mail!.to).toEqual([owner.userId]);
    expect(mail!.subject).toBe(`Gatehouse: 2 tokens of Departing Dana moved to the service account Exports ${leaver.id}`);
    expect(mail!.body).toContain(`"nightly-export": new Service token ${nightly.id}`);
    expect(mail!.body).toContain(`replaces token ${ci.id} of ${leaver.userId}, last used from 127.0.0.1`);
    for (const secret of [...secrets, ci.bearer_token]) expect(mail!.body).not.toContain(secret.slice(0, 40));
    expect(mail!.body).not.toContain('eyJ');
  });

  it('goes to the Admin who created a new service account (its default owner)', async () => {
    const t = app();
    const leaver = await t.makeUser({ name: 'Leaving Lee' });
    await t.request({ method: 'GET', url: '/api/users/me', token: leaver.token });
    await t.server.app.flushUsage();
    const moved = await t.request({ method: 'POST', url: `/api/users/${leaver.id}/handover`, token: t.adminToken, payload: { service_account: { name: `Lee Automation ${leaver.id}`, role: 'Member' } } });
    expect(moved.statusCode, moved.body).toBe(200);
    await vi.waitFor(() => expect(catcher.mails.filter((m) => m.subject.includes('Leaving Lee') && m.body.includes(`(${leaver.userId})`)).map((m) => m.to)).toEqual([['admin@example.com']]), { timeout: 5000 });
  });
}, { GATEHOUSE_SMTP_URL: catcher.url, GATEHOUSE_MAIL_FROM: 'gatehouse@example.com' });
