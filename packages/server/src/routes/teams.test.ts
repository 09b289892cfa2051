import { expect, it } from 'vitest';
import { describeOnEachDatabase } from '../test-support/test-app.js';

describeOnEachDatabase('teams', (app) => {
  it('creates a team with members, shows {id, created, name, users}, renames, sets members, deletes', async () => {
    const t = app();
    const m = await t.makeUser();
    const created = await t.request({ method: 'POST', url: '/api/teams', token: t.adminToken, payload: { name: 'Analytics', description: 'BI folks', user_ids: [m.id] } });
    expect(created.statusCode).toBe(200);
    const team = created.json();
    expect(team).toEqual({ id: expect.any(Number), created: '2026-06-01T10:00:00Z', name: 'Analytics', description: 'BI folks', users: [{ id: m.id, user_id: m.userId, name: expect.any(String), user_type: 'Human' }], user_count: 1, users_partial: false });
    expect((await t.request({ method: 'GET', url: `/api/users/${m.id}`, token: t.adminToken })).json().teams).toEqual(['Public', 'Analytics']);
    const renamed = await t.request({ method: 'PUT', url: `/api/teams/${team.id}`, token: t.adminToken, payload: { name: 'Analytics & BI', user_ids: [] } });
    expect(renamed.json()).toMatchObject({ name: 'Analytics & BI', users: [], user_count: 0 });
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

  it('a team shows its member count and the first members by name; the members list pages and searches them all', async () => {
    const t = app();
    const made = [];
    for (let i = 0; i < 14; i++) made.push(await t.makeUser({ name: `${i % 2 ? 'Zed' : 'amy'} ${String(i).padStart(2, '0')}` }));
    const team = (await t.request({ method: 'POST', url: '/api/teams', token: t.adminToken, payload: { name: 'Crowd', user_ids: made.map((m) => m.id) } })).json();
    expect(team).toMatchObject({ user_count: 14, users_partial: true });
    expect(team.users.map((u: { name: string }) => u.name)).toEqual(['amy 00', 'amy 02', 'amy 04', 'amy 06', 'amy 08', 'amy 10', 'amy 12', 'Zed 01', 'Zed 03', 'Zed 05']);
    const listed = (await t.request({ method: 'GET', url: '/api/teams?search=Crowd', token: t.adminToken })).json().items[0];
    expect(listed).toMatchObject({ user_count: 14, users_partial: true, users: team.users });
    // One team shows up to 1000 members: every member of this one.
    const one = (await t.request({ method: 'GET', url: `/api/teams/${team.id}`, token: t.adminToken })).json();
    expect(one).toMatchObject({ user_count: 14, users_partial: false });
    expect(one.users).toHaveLength(14);

    const first = (await t.request({ method: 'GET', url: `/api/teams/${team.id}/members?size=5`, token: t.adminToken })).json();
    expect(first).toMatchObject({ total: 14, total_exact: true, size: 5, prev_cursor: null });
    expect(first.items[0]).toEqual({ id: made[0]!.id, user_id: made[0]!.userId, name: 'amy 00', user_type: 'Human', email: expect.any(String), active: true });
    const names: string[] = first.items.map((m: { name: string }) => m.name);
    for (let cursor = first.next_cursor; cursor; ) {
      const page = (await t.request({ method: 'GET', url: `/api/teams/${team.id}/members?size=5&cursor=${cursor}`, token: t.adminToken })).json();
      names.push(...page.items.map((m: { name: string }) => m.name));
      cursor = page.next_cursor;
    }
    expect(names).toEqual([...made.map((_, i) => `${i % 2 ? 'Zed' : 'amy'} ${String(i).padStart(2, '0')}`)].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
    const found = (await t.request({ method: 'GET', url: `/api/teams/${team.id}/members?search=ZED%200`, token: t.adminToken })).json();
    expect(found.items.map((m: { name: string }) => m.name)).toEqual(['Zed 01', 'Zed 03', 'Zed 05', 'Zed 07', 'Zed 09']);
    expect((await t.request({ method: 'GET', url: '/api/teams/987654/members', token: t.adminToken })).statusCode).toBe(404);
    const bad = await t.request({ method: 'GET', url: `/api/teams/${team.id}/members?cursor=nonsense`, token: t.adminToken });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().field).toBe('cursor');
  });

  it('adds and removes members one by one, audited; Public refuses (409); Managers read members but cannot change them', async () => {
    const t = app();
    const [a, b, c] = [await t.makeUser(), await t.makeUser(), await t.makeUser({ type: 'Service' })];
    const team = (await t.request({ method: 'POST', url: '/api/teams', token: t.adminToken, payload: { name: 'Ops', user_ids: [a.id] } })).json();
    const added = await t.request({ method: 'POST', url: `/api/teams/${team.id}/members`, token: t.adminToken, payload: { user_ids: [a.id, b.id, c.id] } });
    expect(added.statusCode).toBe(200);
    expect(added.json()).toMatchObject({ user_count: 3, users_partial: false });
    expect((await t.request({ method: 'GET', url: `/api/users/${b.id}`, token: t.adminToken })).json().teams).toEqual(['Public', 'Ops']);
    const audit = (await t.request({ method: 'GET', url: '/api/audit-events?action=team.updated', token: t.adminToken })).json().items[0];
    // Only the users not already in the team.
    expect(audit).toMatchObject({ target_id: String(team.id), details: { changed: ['members'], added: [b.id, c.id] } });

    expect((await t.request({ method: 'DELETE', url: `/api/teams/${team.id}/members/${a.id}`, token: t.adminToken })).statusCode).toBe(204);
    const gone = await t.request({ method: 'DELETE', url: `/api/teams/${team.id}/members/${a.id}`, token: t.adminToken });
    expect(gone.statusCode).toBe(404);
    expect((await t.request({ method: 'GET', url: `/api/teams/${team.id}`, token: t.adminToken })).json()).toMatchObject({ user_count: 2 });
    const removed = (await t.request({ method: 'GET', url: '/api/audit-events?action=team.updated', token: t.adminToken })).json().items[0];
    expect(removed.details).toEqual({ changed: ['members'], removed: [a.id] });

    const unknown = await t.request({ method: 'POST', url: `/api/teams/${team.id}/members`, token: t.adminToken, payload: { user_ids: [987654] } });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json()).toMatchObject({ field: 'user_ids' });
    expect((await t.request({ method: 'POST', url: `/api/teams/${team.id}/members`, token: t.adminToken, payload: { user_ids: [] } })).statusCode).toBe(422);

    const pub = (await t.request({ method: 'GET', url: '/api/teams?search=Public', token: t.adminToken })).json().items[0];
    for (const res of [
      await t.request({ method: 'POST', url: `/api/teams/${pub.id}/members`, token: t.adminToken, payload: { user_ids: [a.id] } }),
      await t.request({ method: 'DELETE', url: `/api/teams/${pub.id}/members/${a.id}`, token: t.adminToken }),
    ]) {
      expect(res.statusCode).toBe(409);
      expect(res.json().code).toBe('PUBLIC_TEAM');
    }
    const manager = await t.makeUser({ role: 'Manager' });
    expect((await t.request({ method: 'GET', url: `/api/teams/${team.id}/members`, token: manager.token })).json().total).toBe(2);
    expect((await t.request({ method: 'POST', url: `/api/teams/${team.id}/members`, token: manager.token, payload: { user_ids: [a.id] } })).statusCode).toBe(403);
    expect((await t.request({ method: 'DELETE', url: `/api/teams/${team.id}/members/${b.id}`, token: manager.token })).statusCode).toBe(403);
  });
});
