import { expect, it } from 'vitest';
import { describeOnEachDatabase } from '../test-support/test-app.js';

describeOnEachDatabase('teams', (app) => {
  it('creates a team with members, shows {id, created, name, users}, renames, sets members, deletes', async () => {
    const t = app();
    const m = await t.makeUser();
    const created = await t.request({ method: 'POST', url: '/api/teams', token: t.adminToken, payload: { name: 'Analytics', description: 'BI folks', user_ids: [m.id] } });
    expect(created.statusCode).toBe(200);
    const team = created.json();
    expect(team).toEqual({ id: expect.any(Number), created: '2026-06-01T10:00:00Z', name: 'Analytics', description: 'BI folks', users: [{ id: m.id, user_id: m.userId, name: expect.any(String), user_type: 'Human' }] });
    expect((await t.request({ method: 'GET', url: `/api/users/${m.id}`, token: t.adminToken })).json().teams).toEqual(['Public', 'Analytics']);
    const renamed = await t.request({ method: 'PUT', url: `/api/teams/${team.id}`, token: t.adminToken, payload: { name: 'Analytics & BI', user_ids: [] } });
    expect(renamed.json()).toMatchObject({ name: 'Analytics & BI', users: [] });
    expect((await t.request({ method: 'GET', url: `/api/teams/${team.id}`, token: t.adminToken })).json().name).toBe('Analytics & BI');
    const list = await t.request({ method: 'GET', url: '/api/teams?size=100', token: t.adminToken });
    expect(list.json().items.map((x: { name: string }) => x.name)).toContain('Public');
    expect((await t.request({ method: 'DELETE', url: `/api/teams/${team.id}`, token: t.adminToken })).statusCode).toBe(204);
    expect((await t.request({ method: 'GET', url: `/api/teams/${team.id}`, token: t.adminToken })).statusCode).toBe(404);
  });

  it('every user is in Public, which cannot be deleted, renamed or have its members set (409)', async () => {
    const t = app();
    const m = await t.makeUser({ type: 'Service' });
    const pub = (await t.request({ method: 'GET', url: '/api/teams?search=Public', token: t.adminToken })).json().items[0];
    expect(pub.users.map((u: { id: number }) => u.id)).toEqual(expect.arrayContaining([t.adminId, m.id]));
    for (const [method, payload] of [['DELETE', undefined], ['PUT', { name: 'Everyone' }], ['PUT', { user_ids: [] }]] as const) {
      const res = await t.request({ method, url: `/api/teams/${pub.id}`, token: t.adminToken, ...(payload ? { payload } : {}) });
      expect(res.statusCode).toBe(409);
      expect(res.json().code).toBe('PUBLIC_TEAM');
    }
    const desc = await t.request({ method: 'PUT', url: `/api/teams/${pub.id}`, token: t.adminToken, payload: { description: 'All of us' } });
    expect(desc.json().description).toBe('All of us');
  });

  it('errors: duplicate name 409, unknown member 422, unknown team 404', async () => {
    const t = app();
    await t.request({ method: 'POST', url: '/api/teams', token: t.adminToken, payload: { name: 'Dup Team' } });
    const dup = await t.request({ method: 'POST', url: '/api/teams', token: t.adminToken, payload: { name: 'Dup Team' } });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ code: 'NAME_TAKEN', field: 'name' });
    const bad = await t.request({ method: 'POST', url: '/api/teams', token: t.adminToken, payload: { name: 'Ghosts', user_ids: [987654] } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ field: 'user_ids', detail: 'user_ids: unknown user id 987654' });
    expect((await t.request({ method: 'PUT', url: '/api/teams/987654', token: t.adminToken, payload: { name: 'x' } })).statusCode).toBe(404);
  });

  it('Managers read teams but cannot change them; Members cannot read them', async () => {
    const t = app();
    const manager = await t.makeUser({ role: 'Manager' });
    const member = await t.makeUser({ role: 'Member' });
    expect((await t.request({ method: 'GET', url: '/api/teams', token: manager.token })).statusCode).toBe(200);
    expect((await t.request({ method: 'POST', url: '/api/teams', token: manager.token, payload: { name: 'Nope' } })).statusCode).toBe(403);
    expect((await t.request({ method: 'GET', url: '/api/teams', token: member.token })).statusCode).toBe(403);
  });
});
