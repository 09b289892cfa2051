import { describe, expect, it } from 'vitest';
import { describeOnEachDatabase } from '../test-support/test-app.js';
import { BASE, expectScimError, filterUrl, GROUP, PATCH_OP, scimClient, USER } from './test-support/scim-client.js';

describeOnEachDatabase('SCIM errors', (app) => {
  describe('error bodies (RFC 7644 §3.12)', () => {
    it('409 uniqueness on a duplicate userName, whatever its case; and on a duplicate group name', async () => {
      const t = app();
      const idp = await scimClient(t);
      expect((await idp.post('/Users', { schemas: [USER], userName: 'dup@x.example' })).statusCode).toBe(201);
      expectScimError(await idp.post('/Users', { schemas: [USER], userName: 'DUP@x.example' }), 409, 'uniqueness');
      const other = (await idp.post('/Users', { schemas: [USER], userName: 'other@x.example' })).json();
      expectScimError(await idp.patch(`/Users/${other.id}`, { op: 'replace', path: 'userName', value: 'dup@x.example' }), 409, 'uniqueness');
      expect((await idp.post('/Groups', { schemas: [GROUP], displayName: 'Dup' })).statusCode).toBe(201);
      expectScimError(await idp.post('/Groups', { schemas: [GROUP], displayName: 'Dup' }), 409, 'uniqueness');
    });

    it('404 for unknown ids, non-numeric ids, and service accounts (not SCIM users)', async () => {
      const t = app();
      const idp = await scimClient(t);
      const robot = await t.makeUser({ type: 'Service' });
      for (const url of ['/Users/999999', '/Users/abc', '/Users/0', `/Users/${robot.id}`, '/Users/99999999999999999999', '/Groups/424242', '/Groups/x']) {
        expectScimError(await idp.get(url), 404);
      }
      expectScimError(await idp.patch('/Users/999999', { op: 'replace', path: 'active', value: false }), 404);
      expectScimError(await idp.del(`/Users/${robot.id}`), 404);
      expectScimError(await idp.get('/Nope'), 404);
    });

    it('400 invalidFilter for malformed filters, never a 500', async () => {
      const t = app();
      const idp = await scimClient(t);
      for (const filter of ['userName eq', '(userName eq "x"', 'userName eq "x" and', 'userName like "x"', '" eq 1', 'emails[type eq "work"', 'a eq "b" or ((((', 'active gt true', '\u0000']) {
        expectScimError(await idp.get(filterUrl('/Users', filter)), 400, 'invalidFilter');
      }
      expectScimError(await idp.get(filterUrl('/Groups', 'displayName eq')), 400, 'invalidFilter');
      expectScimError(await idp.get(`/Users?filter=${'('.repeat(5000)}`), 400, 'invalidFilter');
    });

    it('400 invalidValue for bad attribute values and paging parameters', async () => {
      const t = app();
      const idp = await scimClient(t);
      expectScimError(await idp.post('/Users', { schemas: [USER], displayName: 'No userName' }), 400, 'invalidValue');
      expectScimError(await idp.post('/Users', { schemas: [USER], userName: '   ' }), 400, 'invalidValue');
      expectScimError(await idp.post('/Users', { schemas: [USER], userName: 'bjensen', emails: [{ value: 'not-an-email' }] }), 400, 'invalidValue');
      expectScimError(await idp.post('/Users', { schemas: [USER], userName: 'bjensen', emails: [{ value: 'a@x.io', primary: true }, { value: 'b@x.io', primary: true }] }), 400, 'invalidValue');
      expectScimError(await idp.post('/Users', { schemas: [USER], userName: 'x@y.z', active: 'maybe' }), 400, 'invalidValue');
      expectScimError(await idp.post('/Users', { schemas: [USER], userName: 'x@y.z', name: 'flat' }), 400, 'invalidValue');
      expectScimError(await idp.post('/Groups', { schemas: [GROUP], displayName: 'G', members: [{ value: 'nobody' }] }), 400, 'invalidValue');
      expectScimError(await idp.post('/Groups', { schemas: [GROUP], displayName: 'G', members: [{ value: '999999' }] }), 400, 'invalidValue');
      const robot = await t.makeUser({ type: 'Service' });
      expectScimError(await idp.post('/Groups', { schemas: [GROUP], displayName: 'G', members: [{ value: String(robot.id) }] }), 400, 'invalidValue');
      expectScimError(await idp.get('/Users?count=ten'), 400, 'invalidValue');
      const u = (await idp.post('/Users', { schemas: [USER], userName: 'valid@y.z' })).json();
      expectScimError(await idp.patch(`/Users/${u.id}`, { op: 'replace', path: 'active', value: 'yes' }), 400, 'invalidValue');
      expectScimError(await idp.patch(`/Users/${u.id}`, { op: 'replace', path: 'userName', value: '' }), 400, 'invalidValue');
    });

    it('400 mutability for read-only attributes and the Public team', async () => {
      const t = app();
      const idp = await scimClient(t);
      const u = (await idp.post('/Users', { schemas: [USER], userName: 'mut@y.z' })).json();
      expectScimError(await idp.patch(`/Users/${u.id}`, { op: 'replace', path: 'id', value: '12345' }), 400, 'mutability');
      expectScimError(await idp.patch(`/Users/${u.id}`, { op: 'add', path: 'groups', value: [{ value: '424242' }] }), 400, 'mutability');
      expectScimError(await idp.patch(`/Users/${u.id}`, { op: 'replace', path: 'meta.created', value: '2000-01-01T00:00:00Z' }), 400, 'mutability');
      const pub = (await idp.get(filterUrl('/Groups', 'displayName eq "Public"'))).json().Resources[0];
      expectScimError(await idp.patch(`/Groups/${pub.id}`, { op: 'replace', path: 'displayName', value: 'Everyone' }), 400, 'mutability');
      expectScimError(await idp.patch(`/Groups/${pub.id}`, { op: 'remove', path: `members[value eq "${u.id}"]` }), 400, 'mutability');
      expectScimError(await idp.del(`/Groups/${pub.id}`), 400, 'mutability');
    });

    it('400 noTarget: remove without a path, replace through a filter that matches nothing', async () => {
      const t = app();
      const idp = await scimClient(t);
      const u = (await idp.post('/Users', { schemas: [USER], userName: 'target@y.z' })).json();
      expectScimError(await idp.patch(`/Users/${u.id}`, { op: 'remove' }), 400, 'noTarget');
      expectScimError(await idp.patch(`/Users/${u.id}`, { op: 'replace', path: 'emails[type eq "home"].value', value: 'h@y.z' }), 400, 'noTarget');
    });

    it('400 invalidSyntax for broken JSON and unknown operations; invalidPath for broken paths', async () => {
      const t = app();
      const idp = await scimClient(t);
      const u = (await idp.post('/Users', { schemas: [USER], userName: 'syntax@y.z' })).json();
      const broken = await t.request({ method: 'POST', url: `${BASE}/Users`, token: idp.token, headers: { 'content-type': 'application/scim+json' }, payload: '{"userName": ' });
      expectScimError(broken, 400, 'invalidSyntax');
      expectScimError(await idp.patch(`/Users/${u.id}`, { op: 'move', path: 'userName', value: 'x@y.z' }), 400, 'invalidSyntax');
      expectScimError(await idp.put(`/Users/${u.id}`, [1, 2]), 400, 'invalidValue');
      const noOps = await t.request({ method: 'PATCH', url: `${BASE}/Users/${u.id}`, token: idp.token, headers: { 'content-type': 'application/scim+json' }, payload: JSON.stringify({ schemas: [PATCH_OP], Operations: [] }) });
      expectScimError(noOps, 400, 'invalidSyntax');
      expectScimError(await idp.patch(`/Users/${u.id}`, { op: 'replace', path: 'name..givenName', value: 'x' }), 400, 'invalidPath');
    });

    it('403 when SCIM would deactivate, change or delete a local Admin (the break-glass path stays open)', async () => {
      const t = app();
      const idp = await scimClient(t);
      const admin = (await idp.get(filterUrl('/Users', 'userName eq "admin@example.com"'))).json().Resources[0];
      expectScimError(await idp.patch(`/Users/${admin.id}`, { op: 'replace', path: 'active', value: false }), 403);
      expectScimError(await idp.patch(`/Users/${admin.id}`, { op: 'replace', path: 'userName', value: 'someone-else@example.com' }), 403);
      expectScimError(await idp.del(`/Users/${admin.id}`), 403);
      expect((await idp.get(`/Users/${admin.id}`)).json()).toMatchObject({ active: true, userName: 'admin@example.com' });
      // Sending what is already stored changes nothing and is no refusal (identity providers resend profiles).
      expect((await idp.patch(`/Users/${admin.id}`, { op: 'replace', path: 'active', value: true })).statusCode).toBe(200);
    });
  });

  describe('security', () => {
    it('no credential: 401 with a SCIM body and a Bearer challenge', async () => {
      const t = app();
      const res = await t.request({ method: 'GET', url: `${BASE}/Users` });
      expectScimError(res, 401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="gatehouse"/);
      const bad = await t.request({ method: 'GET', url: `${BASE}/Users`, token: 'eyJhbGciOiJIUzI1NiJ9.e30.c2ln' });
      expectScimError(bad, 401);
    });

    it('any credential but a SCIM administration token (other tokens, a session cookie): 403 with a SCIM body', async () => {
      const t = app();
      const member = await t.makeUser();
      for (const token of [t.adminToken, member.token]) expectScimError(await t.request({ method: 'GET', url: `${BASE}/Users`, token }), 403);
      const cookie = await t.login();
      expectScimError(await t.request({ method: 'GET', url: `${BASE}/Users`, cookie }), 403);
    });

    it('a SCIM token stays off the rest of the API', async () => {
      const t = app();
      const idp = await scimClient(t);
      expect((await t.request({ method: 'GET', url: '/api/users/me', token: idp.token })).statusCode).toBe(403);
    });

    it('a SCIM token whose owner is no longer an Admin is refused', async () => {
      const t = app();
      const second = await t.makeUser({ role: 'Admin' });
      const scimToken = await t.makeToken(second.token, { name: 'idp', scim_endpoints_only: true });
      expect((await t.request({ method: 'GET', url: `${BASE}/Users`, token: scimToken.bearer_token })).statusCode).toBe(200);
      await t.request({ method: 'PUT', url: `/api/users/${second.id}`, token: t.adminToken, payload: { role: 'Member' } });
      expectScimError(await t.request({ method: 'GET', url: `${BASE}/Users`, token: scimToken.bearer_token }), 403);
    });

    it('a revoked SCIM token: 401 at once', async () => {
      const t = app();
      const idp = await scimClient(t);
      expect((await idp.get('/Users')).statusCode).toBe(200);
      await t.request({ method: 'PUT', url: `/api/user-tokens/${idp.tokenId}`, token: t.adminToken, payload: { revoke: true } });
      expectScimError(await idp.get('/Users'), 401);
    });
  });
});
