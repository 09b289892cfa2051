import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeOnEachDatabase } from '../test-support/test-app.js';
import { BASE, expectScimError, filterUrl, scimClient, USER } from './test-support/scim-client.js';

describeOnEachDatabase('SCIM discovery, lists and projection', (app) => {
  describe('discovery (RFC 7644 §4)', () => {
    it('ServiceProviderConfig says what is supported', async () => {
      const idp = await scimClient(app());
      const res = await idp.get('/ServiceProviderConfig');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
      expect(res.json()).toMatchObject({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
        patch: { supported: true },
        bulk: { supported: false },
        filter: { supported: true, maxResults: 200 },
        changePassword: { supported: false },
        sort: { supported: false },
        etag: { supported: false },
        authenticationSchemes: [{ type: 'oauthbearertoken', primary: true }],
      });
    });

    it('ResourceTypes and Schemas, as lists and by id', async () => {
      const idp = await scimClient(app());
      const types = (await idp.get('/ResourceTypes')).json();
      expect(types).toMatchObject({ totalResults: 2, Resources: [{ id: 'User', endpoint: '/Users', schema: USER }, { id: 'Group', endpoint: '/Groups' }] });
      expect((await idp.get('/ResourceTypes/Group')).json()).toMatchObject({ id: 'Group', schema: 'urn:ietf:params:scim:schemas:core:2.0:Group' });
      expectScimError(await idp.get('/ResourceTypes/Device'), 404);
      const schemas = (await idp.get('/Schemas')).json();
      expect(schemas.Resources.map((s: { id: string }) => s.id)).toEqual([USER, 'urn:ietf:params:scim:schemas:core:2.0:Group']);
      const userSchema = (await idp.get(`/Schemas/${USER}`)).json();
      const userName = userSchema.attributes.find((a: { name: string }) => a.name === 'userName');
      expect(userName).toMatchObject({ type: 'string', required: true, caseExact: false, uniqueness: 'server' });
      expect(userSchema.attributes.find((a: { name: string }) => a.name === 'groups')).toMatchObject({ mutability: 'readOnly', multiValued: true });
      expectScimError(await idp.get('/Schemas/urn:nope'), 404);
    });
  });

  describe('lists (RFC 7644 §3.4.2)', () => {
    it('pages with startIndex and count, and says so', async () => {
      const t = app();
      const idp = await scimClient(t);
      for (const n of ['p1', 'p2', 'p3', 'p4']) await idp.post('/Users', { schemas: [USER], userName: `${n}@page.example` });
      const f = 'userName ew "@page.example"';
      const page = (await idp.get(filterUrl('/Users', f, '&startIndex=2&count=2'))).json();
      expect(page).toMatchObject({ totalResults: 4, itemsPerPage: 2, startIndex: 2 });
      expect(page.Resources.map((r: { userName: string }) => r.userName)).toEqual(['p2@page.example', 'p3@page.example']);
      expect((await idp.get(filterUrl('/Users', f, '&startIndex=4&count=10'))).json()).toMatchObject({ itemsPerPage: 1, startIndex: 4 });
      expect((await idp.get(filterUrl('/Users', f, '&count=0'))).json()).toMatchObject({ totalResults: 4, itemsPerPage: 0, Resources: [] });
      expect((await idp.get(filterUrl('/Users', f, '&startIndex=0&count=-5'))).json()).toMatchObject({ startIndex: 1, itemsPerPage: 0 });
      expect((await idp.get(filterUrl('/Users', f, '&startIndex=99'))).json()).toMatchObject({ totalResults: 4, itemsPerPage: 0, Resources: [] });
    });

    it('lists humans only (service accounts are not SCIM users)', async () => {
      const t = app();
      const idp = await scimClient(t);
      const robot = await t.makeUser({ type: 'Service' });
      const all = (await idp.get('/Users?count=200')).json();
      expect(all.Resources.some((r: { id: string }) => r.id === String(robot.id))).toBe(false);
      expect(all.Resources.every((r: { userName: string }) => !r.userName.endsWith('@service'))).toBe(true);
    });

    it('attributes and excludedAttributes, with sub-attributes and schema-qualified names', async () => {
      const t = app();
      const idp = await scimClient(t);
      const u = (await idp.post('/Users', { schemas: [USER], userName: 'proj@x.example', name: { givenName: 'P', familyName: 'Q' } })).json();
      expect((await idp.get(`/Users/${u.id}?attributes=userName,name.givenName`)).json()).toEqual({ schemas: [USER], id: u.id, userName: 'proj@x.example', name: { givenName: 'P' } });
      expect((await idp.get(`/Users/${u.id}?attributes=${USER}:displayName`)).json()).toEqual({ schemas: [USER], id: u.id, displayName: 'P Q' });
      const ex = (await idp.get(`/Users/${u.id}?excludedAttributes=groups,meta,emails.type`)).json();
      expect(ex.groups).toBeUndefined();
      expect(ex.meta).toBeUndefined();
      expect(ex.emails).toEqual([{ value: 'proj@x.example', primary: true }]);
      expect(ex.id).toBe(u.id);
    });

    it('Groups without their members when excluded (Public holds every user), with them otherwise, and a members filter still works', async () => {
      const t = app();
      const idp = await scimClient(t);
      const u = (await idp.post('/Users', { schemas: [USER], userName: 'grouped@x.example' })).json();
      const g = (await idp.post('/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Grouped', members: [{ value: u.id }] })).json();
      const bare = (await idp.get('/Groups?excludedAttributes=members&count=100')).json();
      expect(bare.Resources.length).toBeGreaterThanOrEqual(2);
      expect(bare.Resources.every((r: Record<string, unknown>) => !('members' in r) && typeof r.displayName === 'string')).toBe(true);
      expect((await idp.get(`/Groups/${g.id}?excludedAttributes=members`)).json().members).toBeUndefined();
      expect((await idp.get(`/Groups/${g.id}?attributes=displayName`)).json()).toEqual({ schemas: expect.any(Array), id: g.id, displayName: 'Grouped' });
      expect((await idp.get(`/Groups/${g.id}`)).json().members).toEqual([expect.objectContaining({ value: u.id })]);
      expect((await idp.get(`/Groups/${g.id}?attributes=members.value`)).json().members).toEqual([{ value: u.id }]);
      const byMember = (await idp.get(filterUrl('/Groups', `members[value eq "${u.id}"]`, '&excludedAttributes=members'))).json();
      expect(byMember.Resources.map((r: { displayName: string }) => r.displayName).sort()).toEqual(['Grouped', 'Public']);
    });

    it('filters by meta.lastModified (gt / lt on dates)', async () => {
      const t = app();
      const idp = await scimClient(t);
      const u = (await idp.post('/Users', { schemas: [USER], userName: 'late@x.example' })).json();
      t.clock.advance(3_600_000);
      await idp.patch(`/Users/${u.id}`, { op: 'replace', path: 'displayName', value: 'Later' });
      const since = new Date(Date.parse(u.meta.created) + 60_000).toISOString();
      const res = (await idp.get(filterUrl('/Users', `meta.lastModified gt "${since}"`))).json();
      expect(res.Resources.map((r: { id: string }) => r.id)).toEqual([u.id]);
    });
  });

  it('random filters over HTTP: always 200 or 400 invalidFilter', async () => {
    const t = app();
    const idp = await scimClient(t);
    const piece = fc.constantFrom('userName', 'emails[', ']', 'type', ' eq ', ' pr', ' and ', ' or ', 'not ', '(', ')', '"x"', '"', '1', 'true', '.value', '%', '+', '&', '#');
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.array(piece, { maxLength: 12 }).map((p) => p.join('')), fc.string({ maxLength: 40 })), async (filter) => {
        const res = await t.request({ method: 'GET', url: `${BASE}/Users?filter=${encodeURIComponent(filter)}&count=1`, token: idp.token });
        if (res.statusCode === 200) expect(res.json().schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
        else expectScimError(res, 400, 'invalidFilter');
      }),
      { numRuns: 150 },
    );
  });
});
