import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { describeOnEachDatabase } from '../test-support/test-app.js';

describeOnEachDatabase('access review', (app) => {
  const review = (query = '') => app().request({ method: 'GET', url: `/api/access-review${query}`, token: app().adminToken });

  describe('happy', () => {
    it('lists every token with its owner, idleness, status and policy violations', async () => {
      const t = app();
      const robot = await t.makeUser({ type: 'Service', name: 'Review Robot', teams: [] });
      await t.request({ method: 'GET', url: '/api/users/me', token: robot.token });
      await t.server.app.flushUsage();
      const res = await review();
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('application/json');
      const row = res.json().find((r: { id: number }) => r.id === robot.tokenId);
      expect(row).toEqual({
        id: robot.tokenId,
        name: 'svc',
        type: 'Service',
        owner: 'review_robot@service',
        owner_name: 'Review Robot',
        owner_role: 'Member',
        owner_active: true,
        teams: ['Public'],
        scim_endpoints_only: false,
        scopes: null,
        created: '2026-06-01T10:00:00Z',
        created_by: 'admin@example.com',
        expiration: null,
        last_used: '2026-06-01T10:00:00Z',
        idle_days: 0,
        status: 'active',
        policy_violations: [],
      });
    });

    it('filters by type, owner, idleness, never used, never expires and deactivated owner', async () => {
      const t = app();
      const gone = await t.makeUser({ type: 'Service', name: 'Gone Robot' });
      const used = await t.makeToken(t.adminToken, { name: 'used-soon', user_id: gone.id, expires_in_days: 30 });
      await t.request({ method: 'GET', url: '/api/users/me', token: used.bearer_token });
      await t.server.app.flushUsage();
      expect((await t.request({ method: 'DELETE', url: `/api/users/${gone.id}`, token: t.adminToken })).statusCode).toBe(204);
      const ids = async (q: string) => {
        const res = await review(q);
        expect(res.statusCode, res.body).toBe(200);
        return res.json().map((r: { id: number }) => r.id) as number[];
      };

      expect(await ids(`?owner=GONE_ROBOT@service`)).toEqual([gone.tokenId, used.id]);
      expect(await ids(`?owner=gone_robot@service&never_used=true`)).toEqual([gone.tokenId]);
      expect(await ids(`?owner=gone_robot@service&never_expires=True`)).toEqual([gone.tokenId]);
      expect(await ids(`?owner_deactivated=true&type=Service`)).toEqual(expect.arrayContaining([gone.tokenId, used.id]));
      expect(await ids(`?owner_deactivated=true&type=Personal`)).not.toContain(gone.tokenId);
      expect(await ids(`?owner=gone_robot@service&idle_days=0`)).toEqual([]);
      // (The test app's admin token lives 30 days.)
      t.clock.advance(20 * 86_400_000);
      try {
        expect(await ids(`?owner=gone_robot@service&idle_days=19`)).toEqual([gone.tokenId, used.id]);
        expect(await ids(`?owner=gone_robot@service&idle_days=20`)).toEqual([]);
        const rows = (await review('?owner=gone_robot@service')).json();
        expect(rows.map((r: { status: string; idle_days: number }) => [r.status, r.idle_days])).toEqual([['revoked', 20], ['revoked', 20]]);
      } finally {
        t.clock.advance(-20 * 86_400_000);
      }
    });

    it('answers the same rows as CSV, to download', async () => {
      const t = app();
      const robot = await t.makeUser({ type: 'Service', name: 'Csv, "Robot"' });
      const res = await review('?format=csv&type=Service');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toBe('attachment; filename="gatehouse-access-review-2026-06-01.csv"');
      const [header, ...rows] = parse(res.body) as string[][];
      expect(header).toEqual([
        'id', 'name', 'type', 'owner', 'owner_name', 'owner_role', 'owner_active', 'teams', 'scim_endpoints_only', 'scopes', 'created', 'created_by',
        'expiration', 'last_used', 'idle_days', 'status', 'policy_violations',
      ]);
      const row = rows.find((r) => r[0] === String(robot.tokenId));
      expect(row).toEqual([
        String(robot.tokenId), 'svc', 'Service', 'csv_robot@service', 'Csv, "Robot"', 'Member', 'true', 'Public', 'false', '', '2026-06-01T10:00:00Z',
        'admin@example.com', '', '', '0', 'active', '',
      ]);
      const json = (await review('?type=Service')).json();
      expect(rows).toHaveLength(json.length);
    });
  });

  describe('policy', () => {
    it('lists the active tokens that break a lifetime policy made after they were issued', async () => {
      const t = app();
      const robot = await t.makeUser({ type: 'Service', name: 'Policy Robot' });
      const year = await t.makeToken(t.adminToken, { name: 'a-year', user_id: robot.id, expires_in_days: 365 });
      const month = await t.makeToken(t.adminToken, { name: 'a-month', user_id: robot.id, expires_in_days: 30 });
      const deps = t.server.app.gatehouse.deps;
      const before = deps.policy;
      deps.policy = { ...before, maxLifetimeDays: 90 };
      try {
        const rows = (await review(`?owner=policy_robot@service`)).json() as { id: number; policy_violations: string[] }[];
        expect(Object.fromEntries(rows.map((r) => [r.id, r.policy_violations]))).toEqual({
          [robot.tokenId]: ['never expires (policy: at most 90 days)'],
          [year.id]: ['lifetime over 90 days'],
          [month.id]: [],
        });
      } finally {
        deps.policy = before;
      }
    });
  });

  describe('error', () => {
    it('names the bad filter (422)', async () => {
      for (const [q, field] of [['?format=xml', 'format'], ['?idle_days=-1', 'idle_days'], ['?type=Robot', 'type']]) {
        const res = await review(q);
        expect(res.statusCode).toBe(422);
        expect(res.json().detail).toContain(field);
      }
    });
  });

  describe('security', () => {
    it('is for Admins only', async () => {
      const t = app();
      const manager = await t.makeUser({ role: 'Manager' });
      const res = await t.request({ method: 'GET', url: '/api/access-review', token: manager.token });
      expect(res.statusCode).toBe(403);
    });
  });
});

