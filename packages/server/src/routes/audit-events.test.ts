import { parse } from 'csv-parse/sync';
import { expect, it } from 'vitest';
import { describeOnEachDatabase } from '../test-support/test-app.js';

describeOnEachDatabase('audit log', (app) => {
  it('records every token lifecycle event with who, which token, from where', async () => {
    const t = app();
    const tok = await t.makeToken(t.adminToken, { name: 'audited' });
    const put = (revoke: boolean) => t.request({ method: 'PUT', url: `/api/user-tokens/${tok.id}`, token: t.adminToken, payload: { revoke }, remoteAddress: '192.0.2.7', headers: { 'user-agent': 'audit-test/1.0' } });
    await put(true);
    await put(false);
    await put(true);
    await t.request({ method: 'DELETE', url: `/api/user-tokens/${tok.id}`, token: t.adminToken });
    const res = await t.request({ method: 'GET', url: `/api/audit-events?size=100`, token: t.adminToken });
    const mine = res.json().items.filter((e: { target_id: string | null; target_type: string | null }) => e.target_type === 'token' && e.target_id === String(tok.id));
    expect(mine.map((e: { action: string }) => e.action)).toEqual(['token.deleted', 'token.revoked', 'token.restored', 'token.revoked', 'token.created']);
    const revoked = mine.find((e: { action: string; ip: string | null }) => e.action === 'token.revoked');
    const adminTokenId = (await t.request({ method: 'GET', url: '/api/users/me', token: t.adminToken })).json().token.id;
    expect(revoked).toMatchObject({ actor_user_id: t.adminId, actor_token_id: adminTokenId, ip: '192.0.2.7', user_agent: 'audit-test/1.0', outcome: 'success', at: '2026-06-01T10:00:00Z' });
  });

  it('records logins (ok and failed) and authentication failures (aggregated, written behind)', async () => {
    const t = app();
    await t.request({ method: 'POST', url: '/api/auth/login', payload: { email: 'admin@example.com', password: 'nope-nope-nope' } });
    for (let i = 0; i < 3; i++) await t.request({ method: 'GET', url: '/api/users/me', token: 'eyJ.bad.token', remoteAddress: '198.51.100.9' });
    await t.server.app.flushUsage();
    const failed = await t.request({ method: 'GET', url: '/api/audit-events?action=auth.login_failed', token: t.adminToken });
    expect(failed.json().items[0]).toMatchObject({ outcome: 'failure', details: { email: 'admin@example.com' } });
    const auth = await t.request({ method: 'GET', url: '/api/audit-events?action=auth.failed', token: t.adminToken });
    expect(auth.json().items.find((e: { ip: string }) => e.ip === '198.51.100.9')).toMatchObject({ outcome: 'failure', details: { reason: 'MALFORMED', count: 3 } });
  });

  it('filters by actor, token, action and time; Admins only', async () => {
    const t = app();
    const sa = await t.makeUser({ type: 'Service', role: 'Admin' });
    await t.request({ method: 'POST', url: '/api/teams', token: sa.token, payload: { name: 'By Robot' } });
    const byToken = await t.request({ method: 'GET', url: `/api/audit-events?token_id=${sa.tokenId}`, token: t.adminToken });
    expect(byToken.json().items.map((e: { action: string }) => e.action)).toEqual(['team.created']);
    expect((await t.request({ method: 'GET', url: `/api/audit-events?actor_id=${sa.id}&action=team.created`, token: t.adminToken })).json().total).toBe(1);
    expect((await t.request({ method: 'GET', url: `/api/audit-events?since=2030-01-01T00:00:00Z`, token: t.adminToken })).json().total).toBe(0);
    expect((await t.request({ method: 'GET', url: `/api/audit-events?since=yesterday`, token: t.adminToken })).statusCode).toBe(422);
    const manager = await t.makeUser({ role: 'Manager' });
    expect((await t.request({ method: 'GET', url: '/api/audit-events', token: manager.token })).statusCode).toBe(403);
  });

  it('exports every event the filters select as CSV, not one page', async () => {
    const t = app();
    const sa = await t.makeUser({ type: 'Service', role: 'Admin' });
    for (let i = 0; i < 3; i++) await t.request({ method: 'POST', url: '/api/teams', token: sa.token, payload: { name: `Csv, "team" ${i}` } });
    const res = await t.request({ method: 'GET', url: `/api/audit-events?format=csv&size=1&token_id=${sa.tokenId}`, token: t.adminToken });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="gatehouse-audit-2026-06-01.csv"');
    const [header, ...rows] = parse(res.body) as string[][];
    expect(header).toEqual(['id', 'at', 'action', 'outcome', 'actor_user_id', 'actor_token_id', 'target_type', 'target_id', 'ip', 'user_agent', 'details']);
    expect(rows.map((r) => [r[2], r[3], r[4], r[5], JSON.parse(r[10]!).name])).toEqual(
      [2, 1, 0].map((i) => ['team.created', 'success', String(sa.id), String(sa.tokenId), `Csv, "team" ${i}`]),
    );
    const manager = await t.makeUser({ role: 'Manager' });
    expect((await t.request({ method: 'GET', url: '/api/audit-events?format=csv', token: manager.token })).statusCode).toBe(403);
  });
});
