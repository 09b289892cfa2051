import { describe, expect, it } from 'vitest';
import { describeOnEachDatabase } from '../test-support/test-app.js';
import { expectScimError, filterUrl, GROUP, scimClient, USER } from './test-support/scim-client.js';

/*
 * The request sequences Microsoft Entra ID sends (payloads as in Microsoft's "Develop a SCIM
 * endpoint" request/response examples and as captured from its provisioning service),
 * including its quirks: capitalised ops, "False" as a string, no-path value objects with dotted
 * keys, member removal by a value list and by a value filter.
 */
describeOnEachDatabase('SCIM conformance: Microsoft Entra ID', (app) => {
  describe('user lifecycle', () => {
    it('create → lookup by userName → PATCH (quirks) → deactivate → delete', async () => {
      const t = app();
      const idp = await scimClient(t);

      // 1. Entra first checks that the user does not exist.
      const none = await idp.get(filterUrl('/Users', 'userName eq "adele.vance@contoso.example"'));
      expect(none.statusCode).toBe(200);
      expect(none.headers['content-type']).toMatch(/^application\/scim\+json/);
      expect(none.json()).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, itemsPerPage: 0, startIndex: 1, Resources: [] });

      // 2. Create.
      const created = await idp.post('/Users', {
        schemas: [USER, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
        externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
        userName: 'Adele.Vance@contoso.example',
        active: true,
        emails: [{ primary: true, type: 'work', value: 'Adele.Vance@contoso.example' }],
        meta: { resourceType: 'User' },
        name: { formatted: 'Adele Vance', familyName: 'Vance', givenName: 'Adele' },
        displayName: 'Adele Vance',
        title: 'Retail Manager',
        preferredLanguage: 'en-US',
        phoneNumbers: [{ type: 'work', value: '+1 425 555 0109' }],
        roles: [],
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Retail', employeeNumber: '1234' },
      });
      expect(created.statusCode, created.body).toBe(201);
      const user = created.json();
      expect(user).toMatchObject({
        schemas: [USER],
        id: expect.stringMatching(/^\d+$/),
        externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
        userName: 'adele.vance@contoso.example',
        name: { givenName: 'Adele', familyName: 'Vance', formatted: 'Adele Vance' },
        displayName: 'Adele Vance',
        active: true,
        // Stored as sent (RFC 7643 §4.1.2: readWrite); Gatehouse's own e-mail is lower-cased.
        emails: [{ value: 'Adele.Vance@contoso.example', type: 'work', primary: true }],
        groups: [{ display: 'Public' }],
        meta: { resourceType: 'User', created: '2026-06-01T10:00:00Z', lastModified: '2026-06-01T10:00:00Z', location: `http://localhost:80/api/scim/v2/Users/${user.id}` },
      });
      expect(created.headers.location).toBe(user.meta.location);

      // A Human Member without a password, in Public, as the Admin API shows it.
      const viaApi = await t.request({ method: 'GET', url: `/api/users/${user.id}`, token: t.adminToken });
      expect(viaApi.json()).toMatchObject({ user_type: 'Human', role: 'Member', teams: ['Public'], active: true, user_id: 'adele.vance@contoso.example' });
      const login = await t.request({ method: 'POST', url: '/api/auth/login', payload: { email: 'adele.vance@contoso.example', password: 'anything-at-all-123' } });
      expect(login.statusCode).toBe(401);

      // 3. Lookup by userName, case-insensitively (RFC 7643 §2.1), and by externalId.
      for (const filter of ['userName eq "ADELE.VANCE@contoso.example"', 'externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"']) {
        const found = await idp.get(filterUrl('/Users', filter));
        expect(found.json()).toMatchObject({ totalResults: 1, itemsPerPage: 1, startIndex: 1, Resources: [{ id: user.id }] });
      }
      // externalId is case-exact.
      expect((await idp.get(filterUrl('/Users', 'externalId eq "0A21F0F2-8D2A-4F8E-BF98-7363C4AED4EF"'))).json().totalResults).toBe(0);

      // 4. PATCH with Entra's capitalised ops, a value-filter path and a sub-attribute path.
      t.clock.advance(60_000);
      const patched = await idp.patch(`/Users/${user.id}`,
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'adele@contoso.example' },
        { op: 'Replace', path: 'name.familyName', value: 'Vance-Smith' },
        { op: 'Add', path: 'displayName', value: 'Adele Vance-Smith' },
      );
      expect(patched.statusCode, patched.body).toBe(200);
      expect(patched.json()).toMatchObject({
        userName: 'adele.vance@contoso.example',
        emails: [{ value: 'adele@contoso.example', type: 'work', primary: true }],
        name: { givenName: 'Adele', familyName: 'Vance-Smith' },
        displayName: 'Adele Vance-Smith',
        meta: { created: '2026-06-01T10:00:00Z', lastModified: '2026-06-01T10:01:00Z' },
      });

      // No-path value object with dotted keys.
      const dotted = await idp.patch(`/Users/${user.id}`, { op: 'Replace', value: { 'name.givenName': 'Adèle', 'name.familyName': 'Vance', externalId: 'new-object-id' } });
      expect(dotted.json()).toMatchObject({ name: { givenName: 'Adèle', familyName: 'Vance' }, externalId: 'new-object-id' });

      // userName change (Entra sends it when the UPN changes).
      const renamed = await idp.patch(`/Users/${user.id}`, { op: 'Replace', path: 'userName', value: 'adele.vance@fabrikam.example' });
      expect(renamed.json().userName).toBe('adele.vance@fabrikam.example');

      // 5. Deactivate, with the string "False".
      const off = await idp.patch(`/Users/${user.id}`, { op: 'Replace', path: 'active', value: 'False' });
      expect(off.statusCode).toBe(200);
      expect(off.json().active).toBe(false);
      expect((await idp.get(filterUrl('/Users', 'active eq false and userName sw "adele"'))).json().totalResults).toBe(1);
      const on = await idp.patch(`/Users/${user.id}`, { op: 'Replace', path: 'active', value: 'True' });
      expect(on.json().active).toBe(true);

      // 6. Delete: gone for SCIM and for the API; the userName can be provisioned again.
      const del = await idp.del(`/Users/${user.id}`);
      expect(del.statusCode).toBe(204);
      expect(del.body).toBe('');
      expectScimError(await idp.get(`/Users/${user.id}`), 404);
      expect((await t.request({ method: 'GET', url: `/api/users/${user.id}`, token: t.adminToken })).statusCode).toBe(404);
      expectScimError(await idp.del(`/Users/${user.id}`), 404);
      const again = await idp.post('/Users', { schemas: [USER], userName: 'adele.vance@fabrikam.example', active: true });
      expect(again.statusCode).toBe(201);
      expect(again.json().id).not.toBe(user.id);

      // Every change is in the audit log as done by the SCIM token.
      const events = await t.request({ method: 'GET', url: `/api/audit-events?token_id=${idp.tokenId}&size=100`, token: t.adminToken });
      const actions = events.json().items.map((e: { action: string }) => e.action).reverse();
      expect(actions).toEqual(['user.created', 'user.updated', 'user.updated', 'user.updated', 'user.deactivated', 'user.activated', 'user.deleted', 'user.created']);
      expect(events.json().items[0]).toMatchObject({ actor_token_id: idp.tokenId, actor_user_id: t.adminId, user_agent: 'Microsoft.Identity.Provisioning', details: { via: 'scim' } });
    });

    it('matches a user who already exists, and "False" stops their sessions and Personal tokens at once', async () => {
      const t = app();
      const idp = await scimClient(t);
      const existing = await t.makeUser({ name: 'Megan Bowen' });
      const cookie = await t.login(existing.userId, 'a-long-enough-password');
      const me = () => t.request({ method: 'GET', url: '/api/users/me', token: existing.token });
      expect((await me()).statusCode).toBe(200); // and now cached

      const found = await idp.get(filterUrl('/Users', `userName eq "${existing.userId.toUpperCase()}"`));
      expect(found.json().totalResults).toBe(1);
      const id = found.json().Resources[0].id;
      expect(id).toBe(String(existing.id));

      const off = await idp.patch(`/Users/${id}`, { op: 'Replace', path: 'active', value: 'False' });
      expect(off.statusCode).toBe(200);
      const refused = await me();
      expect(refused.statusCode).toBe(401);
      expect(refused.json().detail).toMatch(/deactivated/);
      expect((await t.request({ method: 'GET', url: '/api/users/me', cookie })).statusCode).toBe(401);

      // Re-activation restores the token (it was not revoked); the session stays ended.
      await idp.patch(`/Users/${id}`, { op: 'Replace', path: 'active', value: 'True' });
      expect((await me()).statusCode).toBe(200);
      expect((await t.request({ method: 'GET', url: '/api/users/me', cookie })).statusCode).toBe(401);

      // DELETE: the token is gone with the user.
      expect((await idp.del(`/Users/${id}`)).statusCode).toBe(204);
      expect((await me()).statusCode).toBe(401);
    });
  });

  describe('group lifecycle', () => {
    it('create → member add → member remove (both Entra forms) → rename → delete', async () => {
      const t = app();
      const idp = await scimClient(t);
      const mk = async (u: string) => (await idp.post('/Users', { schemas: [USER], userName: u, active: true })).json().id as string;
      const [alex, diego] = [await mk('alex@contoso.example'), await mk('diego@contoso.example')];
      const robot = await t.makeUser({ type: 'Service', name: 'Entra Robot' });

      expect((await idp.get(filterUrl('/Groups', 'displayName eq "Sales Team"', '&excludedAttributes=members'))).json().totalResults).toBe(0);
      const created = await idp.post('/Groups', {
        schemas: [GROUP, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
        externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
        displayName: 'Sales Team',
        meta: { resourceType: 'Group' },
      });
      expect(created.statusCode, created.body).toBe(201);
      const group = created.json();
      expect(group).toMatchObject({ schemas: [GROUP], displayName: 'Sales Team', externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159', members: [], meta: { resourceType: 'Group' } });
      // A service account an Admin put in the team is not SCIM's to see or remove.
      await t.request({ method: 'PUT', url: `/api/teams/${group.id}`, token: t.adminToken, payload: { user_ids: [robot.id] } });

      const found = await idp.get(filterUrl('/Groups', 'displayName eq "sales team"', '&excludedAttributes=members'));
      expect(found.json()).toMatchObject({ totalResults: 1, Resources: [{ id: group.id, displayName: 'Sales Team' }] });
      expect(found.json().Resources[0].members).toBeUndefined();

      const added = await idp.patch(`/Groups/${group.id}`, { op: 'Add', path: 'members', value: [{ $ref: null, value: alex }, { $ref: null, value: diego }] });
      expect(added.statusCode, added.body).toBe(200);
      expect(added.json().members.map((m: { value: string }) => m.value)).toEqual([alex, diego]);
      // Adding again is harmless.
      expect((await idp.patch(`/Groups/${group.id}`, { op: 'Add', path: 'members', value: [{ value: alex }] })).json().members).toHaveLength(2);
      const alexView = await idp.get(`/Users/${alex}`);
      expect(alexView.json().groups.map((g: { display: string }) => g.display)).toEqual(['Public', 'Sales Team']);
      expect((await idp.get(filterUrl('/Groups', `members[value eq "${alex}"]`))).json().totalResults).toBe(2); // Public and Sales Team

      // Entra's old form: remove with a value list.
      const removed = await idp.patch(`/Groups/${group.id}`, { op: 'Remove', path: 'members', value: [{ $ref: null, value: alex }] });
      expect(removed.json().members.map((m: { value: string }) => m.value)).toEqual([diego]);
      // Its current form: a value filter; removing a non-member is a no-op.
      const filtered = await idp.patch(`/Groups/${group.id}`, { op: 'Remove', path: `members[value eq "${diego}"]` });
      expect(filtered.json().members).toEqual([]);
      expect((await idp.patch(`/Groups/${group.id}`, { op: 'Remove', path: `members[value eq "${diego}"]` })).statusCode).toBe(200);
      const team = await t.request({ method: 'GET', url: `/api/teams/${group.id}`, token: t.adminToken });
      expect(team.json().users.map((u: { id: number }) => u.id)).toEqual([robot.id]);

      const renamed = await idp.patch(`/Groups/${group.id}`, { op: 'Replace', path: 'displayName', value: 'Sales' });
      expect(renamed.json().displayName).toBe('Sales');

      expect((await idp.del(`/Groups/${group.id}`)).statusCode).toBe(204);
      expectScimError(await idp.get(`/Groups/${group.id}`), 404);
      const events = await t.request({ method: 'GET', url: `/api/audit-events?token_id=${idp.tokenId}&action=team.updated&size=100`, token: t.adminToken });
      expect(events.json().total).toBe(4);
    });
  });
});
