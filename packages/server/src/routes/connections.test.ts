import { expect, it } from 'vitest';
import { describeOnEachDatabase } from '../test-support/test-app.js';

describeOnEachDatabase('connections', (app) => {
  it('Editors create, change and delete connections; everyone signed in lists and reads them; Members cannot write', async () => {
    const t = app();
    const editor = await t.makeUser({ role: 'Editor' });
    const member = await t.makeUser({ role: 'Member' });
    const created = await t.request({ method: 'POST', url: '/api/connections', token: editor.token, payload: { name: 'c1-pg', type: 'postgresql', host: 'pg.internal', port: 5432 } });
    expect(created.statusCode).toBe(200);
    const c = created.json();
    expect(Object.keys(c).sort()).toEqual(['created', 'host', 'id', 'name', 'port', 'type']);
    expect(c).toMatchObject({ name: 'c1-pg', type: 'postgresql', host: 'pg.internal', port: 5432 });
    expect((await t.request({ method: 'GET', url: `/api/connections/${c.id}`, token: member.token })).json()).toEqual(c);
    const list = (await t.request({ method: 'GET', url: '/api/connections?name=C1-&size=100', token: member.token })).json();
    expect(list).toEqual({ items: [c], total: 1, page: 1, size: 100 });
    const renamed = await t.request({ method: 'PUT', url: `/api/connections/${c.id}`, token: editor.token, payload: { ...c, name: 'c1-renamed', port: 6432 } });
    expect(renamed.json()).toMatchObject({ id: c.id, name: 'c1-renamed', port: 6432, host: 'pg.internal' });
    for (const [method, url, payload] of [['POST', '/api/connections', { name: 'm', type: 'postgresql' }], ['PUT', `/api/connections/${c.id}`, { host: 'x' }], ['DELETE', `/api/connections/${c.id}`, undefined]] as const) {
      const res = await t.request({ method, url, token: member.token, ...(payload ? { payload } : {}) });
      expect([res.statusCode, res.json().code]).toEqual([403, 'FORBIDDEN']);
    }
    expect((await t.request({ method: 'DELETE', url: `/api/connections/${c.id}`, token: editor.token })).statusCode).toBe(204);
    expect((await t.request({ method: 'GET', url: `/api/connections/${c.id}`, token: editor.token })).statusCode).toBe(404);
  });

  it('stores no credentials: a password, or any field it does not know, is a 422 naming it', async () => {
    const t = app();
    const res = await t.request({ method: 'POST', url: '/api/connections', token: t.adminToken, payload: { name: 'c2-secret', type: 'snowflake', host: 'acme.snowflakecomputing.com', password: 'hunter2' } });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'INVALID_INPUT', field: 'password', detail: 'password: is not supported' });
    expect(res.body).not.toContain('hunter2');
    expect((await t.request({ method: 'GET', url: '/api/connections?name=c2-', token: t.adminToken })).json().total).toBe(0);
    const filter = await t.request({ method: 'GET', url: '/api/connections?owner=me', token: t.adminToken });
    expect(filter.json()).toMatchObject({ field: 'owner', detail: 'owner: is not supported' });
  });

  it('a datastore on a connection follows it: a change of host reaches the datastore; delete is a 409 while it is used', async () => {
    const t = app();
    const c = (await t.request({ method: 'POST', url: '/api/connections', token: t.adminToken, payload: { name: 'c3-pg', type: 'postgresql', host: 'old.internal', port: 5432 } })).json();
    const ds = (await t.request({ method: 'POST', url: '/api/datastores', token: t.adminToken, payload: { name: 'c3-ds', connection_id: c.id, database: 'app' } })).json();
    await t.request({ method: 'PUT', url: `/api/connections/${c.id}`, token: t.adminToken, payload: { host: 'new.internal' } });
    expect((await t.request({ method: 'GET', url: `/api/datastores/${ds.id}`, token: t.adminToken })).json()).toMatchObject({ host: 'new.internal', port: 5432, type: 'postgresql', connection: { id: c.id, name: 'c3-pg' } });
    const hostOnDatastore = await t.request({ method: 'PUT', url: `/api/datastores/${ds.id}`, token: t.adminToken, payload: { host: 'elsewhere' } });
    expect(hostOnDatastore.json()).toMatchObject({ field: 'host' });
    // Moved to another connection with the rest of what was read sent back: it takes the new one's.
    const other = (await t.request({ method: 'POST', url: '/api/connections', token: t.adminToken, payload: { name: 'c3-other', type: 'mysql', host: 'other.internal', port: 3306 } })).json();
    const read = (await t.request({ method: 'GET', url: `/api/datastores/${ds.id}`, token: t.adminToken })).json();
    const moved = await t.request({ method: 'PUT', url: `/api/datastores/${ds.id}`, token: t.adminToken, payload: { ...read, connection_id: other.id } });
    expect(moved.json()).toMatchObject({ type: 'mysql', host: 'other.internal', port: 3306, connection: { id: other.id } });
    await t.request({ method: 'PUT', url: `/api/datastores/${ds.id}`, token: t.adminToken, payload: { connection_id: c.id } });
    const busy = await t.request({ method: 'DELETE', url: `/api/connections/${c.id}`, token: t.adminToken });
    expect([busy.statusCode, busy.json().code]).toEqual([409, 'CONNECTION_IN_USE']);
    // Detached from the connection, the datastore keeps what it had and takes its own values again.
    const detached = await t.request({ method: 'PUT', url: `/api/datastores/${ds.id}`, token: t.adminToken, payload: { connection_id: null, host: 'own.internal' } });
    expect(detached.json()).toMatchObject({ connection: null, host: 'own.internal', type: 'postgresql' });
    expect((await t.request({ method: 'DELETE', url: `/api/connections/${c.id}`, token: t.adminToken })).statusCode).toBe(204);
  });

  it('duplicate names are a 409; bad type or port a 422; unknown ids a 404', async () => {
    const t = app();
    await t.request({ method: 'POST', url: '/api/connections', token: t.adminToken, payload: { name: 'c4-dup', type: 'postgresql' } });
    const dup = await t.request({ method: 'POST', url: '/api/connections', token: t.adminToken, payload: { name: 'c4-dup', type: 'bigquery' } });
    expect([dup.statusCode, dup.json().code, dup.json().field]).toEqual([409, 'NAME_TAKEN', 'name']);
    expect((await t.request({ method: 'POST', url: '/api/connections', token: t.adminToken, payload: { name: 'c4', type: 'Postgre SQL' } })).json()).toMatchObject({ field: 'type' });
    expect((await t.request({ method: 'POST', url: '/api/connections', token: t.adminToken, payload: { name: 'c4', type: 'postgresql', port: 0 } })).json()).toMatchObject({ field: 'port' });
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const res = await t.request({ method, url: '/api/connections/999999', token: t.adminToken, ...(method === 'PUT' ? { payload: { host: 'x' } } : {}) });
      expect(res.statusCode).toBe(404);
    }
  });
});
