import { describe, expect, it } from 'vitest';
import { describeOnEachDatabase } from '../test-support/test-app.js';
import { filterUrl, GROUP, scimClient, USER } from './test-support/scim-client.js';

/*
 * The request sequences Okta sends (payloads as in Okta's "SCIM 2.0 protocol reference"):
 * lookups with startIndex/count, PUT for every profile update, `{"op":"replace","value":{"active":false}}`
 * to deactivate, Group Push with a replace carrying the unchanged id.
 */
describeOnEachDatabase('SCIM conformance: Okta', (app) => {
  describe('user lifecycle', () => {
    it('lookup → create → get → PUT update → deactivate → reactivate', async () => {
      const t = app();
      const idp = await scimClient(t, 'Okta SCIM Client 1.0.0');

      const lookup = await idp.get(filterUrl('/Users', 'userName eq "test.user@okta.local"', '&startIndex=1&count=100'));
      expect(lookup.json()).toMatchObject({ totalResults: 0, Resources: [] });

      const created = await idp.post('/Users', {
        schemas: [USER],
        userName: 'test.user@okta.local',
        name: { givenName: 'Test', familyName: 'User' },
        emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
        displayName: 'Test User',
        locale: 'en-US',
        externalId: '00ujl29u0le5T6Aj10h7',
        groups: [],
        password: '1mz050nq',
        active: true,
      });
      expect(created.statusCode, created.body).toBe(201);
      const user = created.json();
      expect(user).toMatchObject({ userName: 'test.user@okta.local', externalId: '00ujl29u0le5T6Aj10h7', active: true, displayName: 'Test User' });
      expect(JSON.stringify(user)).not.toContain('1mz050nq');
      // The password Okta may sync is not taken: SCIM users cannot log in until an Admin sets one.
      const login = await t.request({ method: 'POST', url: '/api/auth/login', payload: { email: 'test.user@okta.local', password: '1mz050nq' } });
      expect(login.statusCode).toBe(401);

      const got = await idp.get(`/Users/${user.id}`);
      expect(got.json()).toEqual(user);

      t.clock.advance(1000);
      const put = await idp.put(`/Users/${user.id}`, {
        schemas: [USER],
        id: user.id,
        userName: 'test.user@okta.local',
        name: { givenName: 'Another', familyName: 'User' },
        emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
        displayName: 'Another User',
        locale: 'en-US',
        externalId: '00ujl29u0le5T6Aj10h7',
        groups: [],
        active: true,
        meta: { resourceType: 'User', created: '2000-01-01T00:00:00Z' },
      });
      expect(put.statusCode, put.body).toBe(200);
      expect(put.json()).toMatchObject({ id: user.id, name: { givenName: 'Another', familyName: 'User' }, displayName: 'Another User', meta: { created: user.meta.created, lastModified: '2026-06-01T10:00:01Z' } });

      const off = await idp.patch(`/Users/${user.id}`, { op: 'replace', value: { active: false } });
      expect(off.statusCode).toBe(200);
      expect(off.json().active).toBe(false);
      const api = await t.request({ method: 'GET', url: `/api/users/${user.id}`, token: t.adminToken });
      expect(api.json().active).toBe(false);

      // Okta reactivates with PUT active: true.
      const on = await idp.put(`/Users/${user.id}`, { ...put.json(), active: true });
      expect(on.json().active).toBe(true);
    });

    it('a deactivated user\'s Personal token is refused at once, and works again after reactivation', async () => {
      const t = app();
      const idp = await scimClient(t, 'Okta SCIM Client 1.0.0');
      const m = await t.makeUser({ name: 'Okta Person' });
      const me = () => t.request({ method: 'GET', url: '/api/users/me', token: m.token });
      expect((await me()).statusCode).toBe(200);
      const id = (await idp.get(filterUrl('/Users', `userName eq "${m.userId}"`, '&startIndex=1&count=100'))).json().Resources[0].id;
      await idp.patch(`/Users/${id}`, { op: 'replace', value: { active: false } });
      expect((await me()).statusCode).toBe(401);
      await idp.patch(`/Users/${id}`, { op: 'replace', value: { active: true } });
      expect((await me()).statusCode).toBe(200);
    });
  });

  describe('group push', () => {
    it('create → lookup → rename (with the id) → add → remove → PUT members → delete', async () => {
      const t = app();
      const idp = await scimClient(t, 'Okta SCIM Client 1.0.0');
      const mk = async (u: string) => (await idp.post('/Users', { schemas: [USER], userName: u, active: true })).json().id as string;
      const [a, b, c] = [await mk('a@okta.local'), await mk('b@okta.local'), await mk('c@okta.local')];

      const created = await idp.post('/Groups', { schemas: [GROUP], displayName: 'Test SCIMv2', members: [] });
      expect(created.statusCode).toBe(201);
      const id = created.json().id as string;
      expect((await idp.get(filterUrl('/Groups', 'displayName eq "Test SCIMv2"', '&startIndex=1&count=100'))).json().totalResults).toBe(1);

      const renamed = await idp.patch(`/Groups/${id}`, { op: 'replace', value: { id, displayName: 'Test SCIMv2 renamed' } });
      expect(renamed.statusCode, renamed.body).toBe(200);
      expect(renamed.json().displayName).toBe('Test SCIMv2 renamed');

      const added = await idp.patch(`/Groups/${id}`, { op: 'add', path: 'members', value: [{ value: a, display: 'a@okta.local' }, { value: b, display: 'b@okta.local' }] });
      expect(added.json().members.map((x: { value: string }) => x.value)).toEqual([a, b]);
      const removed = await idp.patch(`/Groups/${id}`, { op: 'remove', path: `members[value eq "${a}"]` });
      expect(removed.json().members.map((x: { value: string }) => x.value)).toEqual([b]);

      const put = await idp.put(`/Groups/${id}`, { schemas: [GROUP], id, displayName: 'Test SCIMv2 renamed', members: [{ value: c }, { value: a }] });
      expect(put.statusCode, put.body).toBe(200);
      expect(put.json().members.map((x: { value: string }) => x.value).sort()).toEqual([a, c].sort());

      // PATCH replace of all members.
      const replaced = await idp.patch(`/Groups/${id}`, { op: 'replace', path: 'members', value: [{ value: b }] });
      expect(replaced.json().members.map((x: { value: string }) => x.value)).toEqual([b]);

      expect((await idp.del(`/Groups/${id}`)).statusCode).toBe(204);
      expect((await idp.get(filterUrl('/Groups', 'displayName eq "Test SCIMv2 renamed"'))).json().totalResults).toBe(0);
    });
  });

  it('POST /Users/.search takes the query in a SearchRequest body', async () => {
    const t = app();
    const idp = await scimClient(t, 'Okta SCIM Client 1.0.0');
    await idp.post('/Users', { schemas: [USER], userName: 'search.me@okta.local' });
    const res = await idp.post('/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'userName sw "search."',
      attributes: ['userName'],
      startIndex: 1,
      count: 10,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().Resources).toEqual([{ schemas: [USER], id: expect.any(String), userName: 'search.me@okta.local' }]);
  });
});
