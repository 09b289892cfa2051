import { describe, expect, it } from 'vitest';
import { describeOnEachDatabase } from '../test-support/test-app.js';

describeOnEachDatabase('users and service accounts', (app) => {
  describe('happy', () => {
    it('creates a service account exactly as the reference documents it', async () => {
      const t = app();
      for (const name of ['Data Engineering', 'Data Quality']) await t.request({ method: 'POST', url: '/api/teams', token: t.adminToken, payload: { name } });
      const res = await t.request({ method: 'POST', url: '/api/users', token: t.adminToken, payload: { name: 'API Access', role: 'Editor', teams: ['Data Engineering', 'Data Quality'] } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        user_id: 'api_access@service',
        user_name: 'api_access@service',
        email: null,
        name: 'API Access',
        user_type: 'Service',
        role: 'Editor',
        teams: ['Public', 'Data Engineering', 'Data Quality'],
        active: true,
        created_by_id: t.adminId,
      });
      expect(Number.isInteger(res.json().id)).toBe(true);
    });

    it.each([
      ['Pipeline Automation', 'pipeline_automation@service'],
      ['  ETL — Nightly Job #2 ', 'etl__nightly_job_2@service'],
      ['Café Bot', 'cafe_bot@service'],
    ])('derives the id of %j as %s', async (name, userId) => {
      const res = await app().request({ method: 'POST', url: '/api/users', token: app().adminToken, payload: { name, role: 'Member' } });
      expect(res.json().user_id).toBe(userId);
    });

    it('creates a human who can log in; lists, searches and filters users', async () => {
      const t = app();
      const res = await t.request({ method: 'POST', url: '/api/users', token: t.adminToken, payload: { user_type: 'Human', email: 'Grace@Example.com', name: 'Grace', role: 'Manager', password: 'grace-long-password' } });
      expect(res.json()).toMatchObject({ user_id: 'grace@example.com', email: 'grace@example.com', user_type: 'Human', role: 'Manager' });
      await t.login('grace@example.com', 'grace-long-password');
      const list = await t.request({ method: 'GET', url: '/api/users?type=Human&search=grace&page=1&size=100', token: t.adminToken });
      expect(list.json()).toMatchObject({ total: 1, page: 1, size: 100, items: [{ user_id: 'grace@example.com' }] });
      const services = await t.request({ method: 'GET', url: '/api/users/listing?type=Service', token: t.adminToken });
      expect(Array.isArray(services.json())).toBe(true);
      for (const u of services.json()) expect(u).toEqual({ id: expect.any(Number), user_id: expect.stringMatching(/@service$/), name: expect.any(String), user_type: 'Service', role: expect.any(String) });
    });

    it('pages with page and size (size=100 honoured, as the Qualytics CLI assumes)', async () => {
      const t = app();
      for (let i = 0; i < 3; i++) await t.makeUser({ type: 'Service', name: `Pager ${i}` });
      const all = await t.request({ method: 'GET', url: '/api/users?size=100', token: t.adminToken });
      const total = all.json().total as number;
      expect(all.json().items).toHaveLength(Math.min(total, 100));
      const p2 = await t.request({ method: 'GET', url: '/api/users?page=2&size=2', token: t.adminToken });
      expect(p2.json()).toMatchObject({ page: 2, size: 2, total });
      expect(p2.json().items[0].id).toBe(all.json().items[2].id);
    });

    it('changes role and teams; the change applies to the next request of a cached token', async () => {
      const t = app();
      await t.request({ method: 'POST', url: '/api/teams', token: t.adminToken, payload: { name: 'Promo Team' } });
      const m = await t.makeUser({ role: 'Member' });
      expect((await t.request({ method: 'GET', url: '/api/users', token: m.token })).statusCode).toBe(403);
      const up = await t.request({ method: 'PUT', url: `/api/users/${m.id}`, token: t.adminToken, payload: { role: 'Manager', teams: ['Promo Team'] } });
      expect(up.json()).toMatchObject({ role: 'Manager', teams: ['Public', 'Promo Team'] });
      expect((await t.request({ method: 'GET', url: '/api/users', token: m.token })).statusCode).toBe(200);
    });

    it('deactivating a user stops their tokens and sessions at once; reactivating restores the tokens', async () => {
      const t = app();
      const m = await t.makeUser();
      expect((await t.request({ method: 'GET', url: '/api/users/me', token: m.token })).statusCode).toBe(200);
      await t.request({ method: 'PUT', url: `/api/users/${m.id}`, token: t.adminToken, payload: { active: false } });
      const refused = await t.request({ method: 'GET', url: '/api/users/me', token: m.token });
      expect(refused.statusCode).toBe(401);
      expect(refused.json().detail).toBe("The token's user is deactivated");
      await t.request({ method: 'PUT', url: `/api/users/${m.id}`, token: t.adminToken, payload: { active: true } });
      expect((await t.request({ method: 'GET', url: '/api/users/me', token: m.token })).statusCode).toBe(200);
    });

    it('DELETE deactivates and revokes every token of a service account (no orphaned tokens)', async () => {
      const t = app();
      const sa = await t.makeUser({ type: 'Service' });
      const second = await t.makeToken(t.adminToken, { name: 'second', user_id: sa.id });
      const del = await t.request({ method: 'DELETE', url: `/api/users/${sa.id}`, token: t.adminToken });
      expect(del.statusCode).toBe(204);
      const tokens = await t.request({ method: 'GET', url: `/api/user-tokens/service?user_id=${sa.id}`, token: t.adminToken });
      expect(tokens.json().map((x: { active: boolean }) => x.active)).toEqual([false, false]);
      expect((await t.request({ method: 'GET', url: '/api/users/me', token: second.bearer_token })).statusCode).toBe(401);
      expect((await t.request({ method: 'GET', url: `/api/users/${sa.id}`, token: t.adminToken })).json().active).toBe(false);
    });

    it('revoke-tokens revokes every token of an account at once', async () => {
      const t = app();
      const sa = await t.makeUser({ type: 'Service' });
      const other = await t.makeToken(t.adminToken, { name: 'other', user_id: sa.id });
      const res = await t.request({ method: 'POST', url: `/api/users/${sa.id}/revoke-tokens`, token: t.adminToken });
      expect(res.json()).toEqual({ revoked: 2, token_ids: [sa.tokenId, other.id].sort((a, b) => a - b) });
      expect((await t.request({ method: 'GET', url: '/api/users/me', token: sa.token })).statusCode).toBe(401);
      expect((await t.request({ method: 'GET', url: '/api/users/me', token: other.bearer_token })).statusCode).toBe(401);
    });

    it('GET /api/users/me tells the token it was called with', async () => {
      const t = app();
      const sa = await t.makeUser({ type: 'Service', role: 'Editor' });
      const me = await t.request({ method: 'GET', url: '/api/users/me', token: sa.token });
      expect(me.json()).toMatchObject({ id: sa.id, user_type: 'Service', role: 'Editor', token: { id: sa.tokenId, name: 'svc', type: 'Service', scim_endpoints_only: false } });
    });
  });

  describe('errors', () => {
    it('a name whose id exists is 409', async () => {
      const t = app();
      await t.request({ method: 'POST', url: '/api/users', token: t.adminToken, payload: { name: 'Twin Bot', role: 'Member' } });
      const again = await t.request({ method: 'POST', url: '/api/users', token: t.adminToken, payload: { name: 'twin bot', role: 'Admin' } });
      expect(again.statusCode).toBe(409);
      expect(again.json()).toMatchObject({ code: 'USER_EXISTS', field: 'name' });
    });

    it.each([
      [{ name: 'X', role: 'Owner' }, 'role', 'must be one of: Member, Editor, Manager, Admin'],
      [{ role: 'Member' }, 'name', 'is required'],
      [{ name: 'X', role: 'Member', teams: ['No Such Team'] }, 'teams', 'unknown team: No Such Team'],
      [{ name: '!!!', role: 'Member' }, 'name', 'must contain at least one letter or digit'],
      [{ user_type: 'Human', name: 'H', role: 'Member' }, 'email', 'is required for a human user'],
      [{ user_type: 'Human', email: 'not-an-email', name: 'H', role: 'Member' }, 'email', 'must be an e-mail address'],
      [{ user_type: 'Human', email: 'h@x.io', name: 'H', role: 'Member', password: 'short' }, 'password', 'must have at least 12 characters'],
      [{ name: 'Svc', role: 'Member', password: 'a-long-enough-password' }, 'password', 'service accounts never log in with a password'],
    ])('invalid %j → 422 on %s', async (payload, field, message) => {
      const res = await app().request({ method: 'POST', url: '/api/users', token: app().adminToken, payload });
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ field, detail: `${field}: ${message}` });
    });

    it('refuses to demote or deactivate the last active Admin (409)', async () => {
      const t = app();
      for (const payload of [{ role: 'Editor' }, { active: false }]) {
        const res = await t.request({ method: 'PUT', url: `/api/users/${t.adminId}`, token: t.adminToken, payload });
        expect(res.statusCode).toBe(409);
        expect(res.json().code).toBe('LAST_ADMIN');
      }
      expect((await t.request({ method: 'DELETE', url: `/api/users/${t.adminId}`, token: t.adminToken })).statusCode).toBe(409);
    });

    it('unknown ids are 404; a non-integer id is 422', async () => {
      const t = app();
      expect((await t.request({ method: 'GET', url: '/api/users/999999', token: t.adminToken })).statusCode).toBe(404);
      expect((await t.request({ method: 'PUT', url: '/api/users/999999', token: t.adminToken, payload: { name: 'x' } })).statusCode).toBe(404);
      expect((await t.request({ method: 'GET', url: '/api/users/abc', token: t.adminToken })).statusCode).toBe(422);
    });
  });

  describe('security (role matrix)', () => {
    it('Members and Editors cannot list users; Managers can read but not write; Members read only themselves', async () => {
      const t = app();
      const member = await t.makeUser({ role: 'Member' });
      const editor = await t.makeUser({ role: 'Editor' });
      const manager = await t.makeUser({ role: 'Manager' });
      for (const u of [member, editor]) {
        expect((await t.request({ method: 'GET', url: '/api/users', token: u.token })).statusCode).toBe(403);
        expect((await t.request({ method: 'GET', url: '/api/users/listing?type=Service', token: u.token })).statusCode).toBe(403);
        expect((await t.request({ method: 'GET', url: `/api/users/${t.adminId}`, token: u.token })).statusCode).toBe(403);
        expect((await t.request({ method: 'GET', url: `/api/users/${u.id}`, token: u.token })).statusCode).toBe(200);
      }
      expect((await t.request({ method: 'GET', url: '/api/users', token: manager.token })).statusCode).toBe(200);
      expect((await t.request({ method: 'GET', url: `/api/users/${t.adminId}`, token: manager.token })).statusCode).toBe(200);
      const denied = await t.request({ method: 'POST', url: '/api/users', token: manager.token, payload: { name: 'Nope', role: 'Admin' } });
      expect(denied.statusCode).toBe(403);
      expect(denied.json()).toMatchObject({ code: 'FORBIDDEN', detail: 'Your role (Manager) may not create service accounts' });
      expect((await t.request({ method: 'PUT', url: `/api/users/${member.id}`, token: manager.token, payload: { role: 'Admin' } })).statusCode).toBe(403);
      expect((await t.request({ method: 'DELETE', url: `/api/users/${member.id}`, token: manager.token })).statusCode).toBe(403);
      expect((await t.request({ method: 'POST', url: `/api/users/${member.id}/revoke-tokens`, token: manager.token })).statusCode).toBe(403);
    });
  });
});
