import { describe, expect, it } from 'vitest';
import { describeOnEachDatabase } from '../test-support/test-app.js';
import { BASE, expectScimError, filterUrl, GROUP, scimClient, USER } from './test-support/scim-client.js';

/*
 * Where an external SCIM conformance tester found Gatehouse differing from RFC 7643 / 7644
 * (issue 20, items 1–8), one regression test per finding, named after what was wrong.
 */
describeOnEachDatabase('SCIM to the letter of RFC 7643/7644', (app) => {
  describe('1. userName is any non-empty string (RFC 7643 §4.1.1)', () => {
    it('accepts a plain user name and a UUID; the e-mail comes from emails; unique without regard to case', async () => {
      const idp = await scimClient(app());
      const plain = await idp.post('/Users', { schemas: [USER], userName: 'bjensen', emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }] });
      expect(plain.statusCode, plain.body).toBe(201);
      expect(plain.json()).toMatchObject({ userName: 'bjensen', emails: [{ value: 'bjensen@example.com', primary: true }] });
      const uuid = '2819c223-7f76-453a-919d-413861904646';
      const byUuid = await idp.post('/Users', { schemas: [USER], userName: uuid });
      expect(byUuid.statusCode, byUuid.body).toBe(201);
      expect(byUuid.json().emails).toBeUndefined();
      expectScimError(await idp.post('/Users', { schemas: [USER], userName: 'BJensen' }), 409, 'uniqueness');
      const found = (await idp.get(filterUrl('/Users', 'userName eq "BJENSEN"'))).json();
      expect(found.Resources.map((r: { id: string }) => r.id)).toEqual([plain.json().id]);
      // Gatehouse's own user: user_id is the userName, email the primary e-mail.
      const t = app();
      const api = (await t.request({ method: 'GET', url: `/api/users/${plain.json().id}`, token: t.adminToken })).json();
      expect(api).toMatchObject({ user_id: 'bjensen', email: 'bjensen@example.com' });
    });
  });

  describe('2. PATCH add to emails adds (RFC 7644 §3.5.2.1); primary moves', () => {
    it('an added primary e-mail becomes the primary and the old one stays; a non-primary add is kept', async () => {
      const idp = await scimClient(app());
      const u = (await idp.post('/Users', { schemas: [USER], userName: 'emails.add@x.example', emails: [{ value: 'old@x.example', type: 'work', primary: true }] })).json();
      const res = await idp.patch(`/Users/${u.id}`, { op: 'add', path: 'emails', value: [{ value: 'new@x.example', type: 'work', primary: true }] });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().emails).toEqual([
        { value: 'old@x.example', type: 'work', primary: false },
        { value: 'new@x.example', type: 'work', primary: true },
      ]);
      const more = await idp.patch(`/Users/${u.id}`, { op: 'add', path: 'emails', value: [{ value: 'home@x.example', type: 'home' }] });
      expect(more.json().emails).toHaveLength(3);
      expect(more.json().emails[2]).toEqual({ value: 'home@x.example', type: 'home', primary: false });
      expect((await idp.get(`/Users/${u.id}`)).json().emails).toEqual(more.json().emails);
      // Filters read the e-mails as patched (the store's user_emails rows, written with the user).
      const found = async (filter: string) => (await idp.get(`/Users?filter=${encodeURIComponent(filter)}`)).json().Resources.map((r: { id: string }) => r.id);
      expect(await found('emails[type eq "home" and value eq "HOME@x.example"]')).toEqual([u.id]);
      expect(await found('emails[primary eq true and value eq "new@x.example"]')).toEqual([u.id]);
      expect(await found('emails[primary eq true and value eq "old@x.example"]')).toEqual([]);
      const t = app();
      expect((await t.request({ method: 'GET', url: `/api/users/${u.id}`, token: t.adminToken })).json().email).toBe('new@x.example');
    });
  });

  describe('3. PATCH remove of displayName removes it (RFC 7644 §3.5.2.2)', () => {
    it('the shown name falls back to name.formatted, then the name parts, then userName', async () => {
      const idp = await scimClient(app());
      const bare = (await idp.post('/Users', { schemas: [USER], userName: 'dn.bare@x.example', displayName: 'Babs' })).json();
      const gone = await idp.patch(`/Users/${bare.id}`, { op: 'remove', path: 'displayName' });
      expect(gone.statusCode, gone.body).toBe(200);
      expect(gone.json().displayName).toBe('dn.bare@x.example');
      expect((await idp.get(`/Users/${bare.id}`)).json().displayName).toBe('dn.bare@x.example');
      const u = (await idp.post('/Users', { schemas: [USER], userName: 'dn.remove@x.example', displayName: 'Babs', name: { givenName: 'Barbara', familyName: 'Jensen' } })).json();
      const res = await idp.patch(`/Users/${u.id}`, { op: 'remove', path: 'displayName' });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().displayName).toBe('Barbara Jensen');
      expect((await idp.get(`/Users/${u.id}`)).json().displayName).toBe('Barbara Jensen');
    });
  });

  describe('4. PATCH remove of active never reactivates (SPEC §4)', () => {
    it('answers 400 mutability and the user stays deactivated', async () => {
      const idp = await scimClient(app());
      const u = (await idp.post('/Users', { schemas: [USER], userName: 'active.remove@x.example', active: false })).json();
      expectScimError(await idp.patch(`/Users/${u.id}`, { op: 'remove', path: 'active' }), 400, 'mutability');
      expect((await idp.get(`/Users/${u.id}`)).json().active).toBe(false);
      // The same for an active user: removing is not a way to set a value.
      const v = (await idp.post('/Users', { schemas: [USER], userName: 'active.remove2@x.example' })).json();
      expectScimError(await idp.patch(`/Users/${v.id}`, { op: 'remove', path: 'active' }), 400, 'mutability');
      expectScimError(await idp.patch(`/Users/${v.id}`, { op: 'remove', path: 'userName' }), 400, 'invalidValue');
    });
  });

  describe('5. PATCH remove of emails and name unassigns them', () => {
    it('emails removed → none (not the userName); name removed → no derived name.formatted', async () => {
      const idp = await scimClient(app());
      const u = (await idp.post('/Users', {
        schemas: [USER], userName: 'unassign@x.example', name: { givenName: 'Una', familyName: 'Assign' }, emails: [{ value: 'una@x.example', primary: true }],
      })).json();
      const noEmails = await idp.patch(`/Users/${u.id}`, { op: 'remove', path: 'emails' });
      expect(noEmails.statusCode, noEmails.body).toBe(200);
      expect(noEmails.json().emails).toBeUndefined();
      const filtered = await idp.get(`/Users?filter=${encodeURIComponent('emails[value eq "una@x.example"]')}`);
      expect(filtered.json().totalResults).toBe(0);
      const t = app();
      expect((await t.request({ method: 'GET', url: `/api/users/${u.id}`, token: t.adminToken })).json().email).toBeNull();
      const noName = await idp.patch(`/Users/${u.id}`, { op: 'remove', path: 'name' });
      expect(noName.json().name).toBeUndefined();
      expect((await idp.get(`/Users/${u.id}`)).json().name).toBeUndefined();
    });
  });

  describe('6. every readWrite attribute advertised is stored as sent (RFC 7643 §4.1)', () => {
    it('name.formatted, emails[].primary:false, display and type come back as sent, on POST and PUT', async () => {
      const idp = await scimClient(app());
      const body = {
        schemas: [USER],
        userName: 'as.sent@x.example',
        name: { formatted: 'Ms. Barbara J Jensen III', givenName: 'Barbara', familyName: 'Jensen' },
        emails: [
          { value: 'bjensen@home.example', type: 'home', display: 'Home mail', primary: false },
          { value: 'babs@x.example', type: 'other', primary: false },
        ],
      };
      const created = await idp.post('/Users', body);
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json()).toMatchObject({ name: body.name, emails: body.emails });
      const id = created.json().id;
      expect((await idp.get(`/Users/${id}`)).json()).toMatchObject({ name: body.name, emails: body.emails });
      const replaced = await idp.put(`/Users/${id}`, { ...body, name: { formatted: 'Barbara Jensen' }, emails: [{ value: 'b@x.example', type: 'work', primary: true, display: 'B' }] });
      expect(replaced.json()).toMatchObject({ name: { formatted: 'Barbara Jensen' }, emails: [{ value: 'b@x.example', type: 'work', primary: true, display: 'B' }] });
      expect(replaced.json().name.givenName).toBeUndefined();
    });
  });

  describe('7. POST /.search at the root; a wrong base URL gets a JSON 404, not the web app', () => {
    it('searches every resource type (RFC 7644 §3.4.3)', async () => {
      const idp = await scimClient(app());
      await idp.post('/Users', { schemas: [USER], userName: 'root.search@x.example' });
      await idp.post('/Groups', { schemas: [GROUP], displayName: 'root.search team' });
      const res = await idp.post('/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'userName sw "root.search" or displayName sw "root.search"' });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
      expect(res.json()).toMatchObject({ totalResults: 2, itemsPerPage: 2, startIndex: 1 });
      expect(res.json().Resources.map((r: { meta: { resourceType: string } }) => r.meta.resourceType)).toEqual(['User', 'Group']);
      const second = (await idp.post('/.search', { filter: 'userName sw "root.search" or displayName sw "root.search"', startIndex: 2, count: 1 })).json();
      expect(second).toMatchObject({ totalResults: 2, itemsPerPage: 1, startIndex: 2, Resources: [{ displayName: 'root.search team' }] });
    });

    it('/scim/v2/Users (a misconfigured base URL) answers 404 application/scim+json naming the right one', async () => {
      const t = app();
      const idp = await scimClient(t);
      for (const url of ['/scim/v2/Users', '/scim/v2/Users?filter=userName%20eq%20%22x%22', '/scim']) {
        const res = await t.request({ method: 'GET', url, token: idp.token });
        expect(res.statusCode).toBe(404);
        expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
        expect(res.json()).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '404' });
        expect(res.json().detail).toContain(BASE);
      }
      const post = await t.request({ method: 'POST', url: '/scim/v2/Users', token: idp.token, payload: { userName: 'x' } });
      expect(post.statusCode).toBe(404);
      expect(post.headers['content-type']).toMatch(/^application\/scim\+json/);
    });
  });

  describe('8. members.type has its canonical values (RFC 7643 §8.7.1)', () => {
    it('/Schemas lists User and Group for members.type, direct and indirect for groups.type', async () => {
      const idp = await scimClient(app());
      const group = (await idp.get(`/Schemas/${GROUP}`)).json();
      const members = group.attributes.find((a: { name: string }) => a.name === 'members');
      expect(members.subAttributes.find((a: { name: string }) => a.name === 'type').canonicalValues).toEqual(['User', 'Group']);
      const user = (await idp.get(`/Schemas/${USER}`)).json();
      const groups = user.attributes.find((a: { name: string }) => a.name === 'groups');
      expect(groups.subAttributes.find((a: { name: string }) => a.name === 'type').canonicalValues).toEqual(['direct', 'indirect']);
    });
  });
});
