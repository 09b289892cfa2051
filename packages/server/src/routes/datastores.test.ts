import { expect, it } from 'vitest';
import { describeOnEachDatabase, type TestApp } from '../test-support/test-app.js';

async function seed(t: TestApp, prefix: string) {
  const teamA = `${prefix} A`;
  const teamB = `${prefix} B`;
  for (const name of [teamA, teamB]) await t.request({ method: 'POST', url: '/api/teams', token: t.adminToken, payload: { name } });
  const mk = async (name: string, type: string, teams?: string[]) =>
    (await t.request({ method: 'POST', url: '/api/datastores', token: t.adminToken, payload: { name: `${prefix}-${name}`, type, host: `${name}.example.com`, port: 5432, database: 'analytics', schema: 'public', ...(teams ? { teams } : {}) } })).json();
  const a = await mk('warehouse', 'snowflake', [teamA]);
  const b = await mk('orders', 'postgresql', [teamB]);
  const p = await mk('open', 'bigquery');
  return { teamA, teamB, a, b, p };
}

describeOnEachDatabase('datastores', (app) => {
  it('a Member sees the datastores of their teams only (Public included); Managers see all', async () => {
    const t = app();
    const s = await seed(t, 'vis');
    expect(s.p.teams).toEqual(['Public']);
    const member = await t.makeUser({ role: 'Member', teams: [s.teamA] });
    const list = await t.request({ method: 'GET', url: '/api/datastores?search=vis-&size=100', token: member.token });
    expect(list.json().items.map((d: { name: string }) => d.name).sort()).toEqual(['vis-open', 'vis-warehouse']);
    expect((await t.request({ method: 'GET', url: `/api/datastores/${s.b.id}`, token: member.token })).statusCode).toBe(404);
    expect((await t.request({ method: 'GET', url: `/api/datastores/${s.a.id}`, token: member.token })).json()).toMatchObject({ name: 'vis-warehouse', type: 'snowflake', host: 'warehouse.example.com', port: 5432, database: 'analytics', schema: 'public', teams: [s.teamA] });
    const manager = await t.makeUser({ role: 'Manager' });
    expect((await t.request({ method: 'GET', url: '/api/datastores?search=vis-', token: manager.token })).json().total).toBe(3);
  });

  it('filters by name, repeatable datastore_type, search; sorts; pages', async () => {
    const t = app();
    await seed(t, 'flt');
    const q = (qs: string) => t.request({ method: 'GET', url: `/api/datastores?${qs}`, token: t.adminToken }).then((r) => r.json());
    expect((await q('name=flt-orders')).items.map((d: { name: string }) => d.name)).toEqual(['flt-orders']);
    expect((await q('search=flt-&datastore_type=snowflake&datastore_type=bigquery&sort=name')).items.map((d: { name: string }) => d.name)).toEqual(['flt-open', 'flt-warehouse']);
    expect((await q('search=flt-&datastore_type=snowflake')).total).toBe(1);
    expect((await q('search=flt-&sort=-name')).items.map((d: { name: string }) => d.name)).toEqual(['flt-warehouse', 'flt-orders', 'flt-open']);
    expect(await q('search=flt-&sort=name&page=2&size=1')).toMatchObject({ page: 2, size: 1, total: 3, items: [{ name: 'flt-orders' }] });
    const bad = await t.request({ method: 'GET', url: '/api/datastores?sort=password', token: t.adminToken });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().field).toBe('sort');
  });

  it('Editors create, change and delete datastores they can see; Members cannot write', async () => {
    const t = app();
    const editor = await t.makeUser({ role: 'Editor' });
    const member = await t.makeUser({ role: 'Member' });
    const created = await t.request({ method: 'POST', url: '/api/datastores', token: editor.token, payload: { name: 'ed-lake', type: 'databricks' } });
    expect(created.statusCode).toBe(200);
    expect(created.json()).toMatchObject({ name: 'ed-lake', type: 'databricks', teams: ['Public'], host: null, created_by_id: editor.id });
    const id = created.json().id;
    expect((await t.request({ method: 'PUT', url: `/api/datastores/${id}`, token: editor.token, payload: { host: 'lake.internal', port: 443 } })).json()).toMatchObject({ host: 'lake.internal', port: 443 });
    for (const [method, url, payload] of [['POST', '/api/datastores', { name: 'm', type: 'postgresql' }], ['PUT', `/api/datastores/${id}`, { host: 'x' }], ['DELETE', `/api/datastores/${id}`, undefined]] as const) {
      expect((await t.request({ method, url, token: member.token, ...(payload ? { payload } : {}) })).statusCode).toBe(403);
    }
    expect((await t.request({ method: 'DELETE', url: `/api/datastores/${id}`, token: editor.token })).statusCode).toBe(204);
    expect((await t.request({ method: 'GET', url: `/api/datastores/${id}`, token: editor.token })).statusCode).toBe(404);
  });

  it('errors: duplicate name 409, bad port / type 422, unknown team 422', async () => {
    const t = app();
    await t.request({ method: 'POST', url: '/api/datastores', token: t.adminToken, payload: { name: 'err-dup', type: 'postgresql' } });
    expect((await t.request({ method: 'POST', url: '/api/datastores', token: t.adminToken, payload: { name: 'err-dup', type: 'postgresql' } })).statusCode).toBe(409);
    const port = await t.request({ method: 'POST', url: '/api/datastores', token: t.adminToken, payload: { name: 'p', type: 'postgresql', port: 70000 } });
    expect(port.json()).toMatchObject({ field: 'port' });
    const type = await t.request({ method: 'POST', url: '/api/datastores', token: t.adminToken, payload: { name: 'p', type: 'Postgre SQL!' } });
    expect(type.json()).toMatchObject({ field: 'type' });
    const team = await t.request({ method: 'POST', url: '/api/datastores', token: t.adminToken, payload: { name: 'p', type: 'postgresql', teams: ['Nobody'] } });
    expect(team.json()).toMatchObject({ field: 'teams', detail: 'teams: unknown team: Nobody' });
  });

  it('a team change reaches a cached token: joining a team shows its datastores on the next request', async () => {
    const t = app();
    const s = await seed(t, 'join');
    const member = await t.makeUser({ role: 'Member' });
    const names = async () => (await t.request({ method: 'GET', url: '/api/datastores?search=join-', token: member.token })).json().items.map((d: { name: string }) => d.name).sort();
    expect(await names()).toEqual(['join-open']);
    await t.request({ method: 'PUT', url: `/api/users/${member.id}`, token: t.adminToken, payload: { teams: [s.teamB] } });
    expect(await names()).toEqual(['join-open', 'join-orders']);
  });
});

describeOnEachDatabase('datastore lists answered from the cache', (app) => {
  it('the same list asked again shows every change: a datastore created, changed, deleted; its team renamed; its connection renamed', async () => {
    const t = app();
    const member = await t.makeUser({ role: 'Member' });
    const team = (await t.request({ method: 'POST', url: '/api/teams', token: t.adminToken, payload: { name: 'cache-team', user_ids: [member.id] } })).json();
    const list = async () => (await t.request({ method: 'GET', url: '/api/datastores?search=cached-', token: member.token })).json().items as { id: number; name: string; teams: string[]; connection: { name: string } | null; tags: string[] }[];
    expect(await list()).toEqual([]);
    expect(await list()).toEqual([]);
    const c = (await t.request({ method: 'POST', url: '/api/connections', token: t.adminToken, payload: { name: 'cached-conn', type: 'postgresql' } })).json();
    const ds = (await t.request({ method: 'POST', url: '/api/datastores', token: t.adminToken, payload: { name: 'cached-ds', connection_id: c.id, teams: ['cache-team'] } })).json();
    expect((await list()).map((d) => d.name)).toEqual(['cached-ds']);
    await t.request({ method: 'PUT', url: `/api/datastores/${ds.id}`, token: t.adminToken, payload: { tags: ['gold'] } });
    expect((await list())[0]?.tags).toEqual(['gold']);
    await t.request({ method: 'PUT', url: `/api/teams/${team.id}`, token: t.adminToken, payload: { name: 'cache-team-2' } });
    expect((await list())[0]?.teams).toEqual(['cache-team-2']);
    await t.request({ method: 'PUT', url: `/api/connections/${c.id}`, token: t.adminToken, payload: { name: 'cached-conn-2' } });
    expect((await list())[0]?.connection?.name).toBe('cached-conn-2');
    await t.request({ method: 'DELETE', url: `/api/datastores/${ds.id}`, token: t.adminToken });
    expect(await list()).toEqual([]);
  });
});
