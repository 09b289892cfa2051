import { pgAvailable } from '@gatehouse/db/test-support';
import { describe, expect, it } from 'vitest';
import type { GatehouseServer } from '../server.js';
import { describeOnEachDatabase } from '../test-support/test-app.js';
import { twoNodesOnOnePostgres } from '../test-support/two-nodes.js';

describeOnEachDatabase('token usage', (app) => {
  const call = (token: string, ip: string, agent: string) =>
    app().request({ method: 'GET', url: '/api/users/me', token, remoteAddress: ip, headers: { 'user-agent': agent } });

  describe('happy', () => {
    it('counts exactly the requests made, per day and per client, across flushes, and a new client is audited once', async () => {
      const t = app();
      const robot = await t.makeUser({ type: 'Service', name: 'Usage Robot' });
      for (let i = 0; i < 7; i++) expect((await call(robot.token, '10.0.0.5', 'python-requests/2.32')).statusCode).toBe(200);
      for (let i = 0; i < 2; i++) await call(robot.token, '10.0.0.9', 'qualytics-cli/1.0.4');
      await t.server.app.flushUsage();
      for (let i = 0; i < 3; i++) await call(robot.token, '10.0.0.5', 'python-requests/2.32');
      // The next UTC day.
      t.clock.advance(14 * 3_600_000);
      await call(robot.token, '10.0.0.9', 'qualytics-cli/1.0.4');
      await t.server.app.flushUsage();

      const res = await t.request({ method: 'GET', url: `/api/user-tokens/${robot.tokenId}/usage?days=3`, token: t.adminToken });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        daily: [
          { date: '2026-05-31', requests: 0 },
          { date: '2026-06-01', requests: 12 },
          { date: '2026-06-02', requests: 1 },
        ],
        clients: [
          { ip: '10.0.0.9', user_agent: 'qualytics-cli/1.0.4', first_seen: '2026-06-01T10:00:00Z', last_seen: '2026-06-02T00:00:00Z', requests: 3 },
          { ip: '10.0.0.5', user_agent: 'python-requests/2.32', first_seen: '2026-06-01T10:00:00Z', last_seen: '2026-06-01T10:00:00Z', requests: 10 },
        ],
      });
      const audit = await t.request({ method: 'GET', url: '/api/audit-events?action=token.new_ip&size=100', token: t.adminToken });
      const mine = audit.json().items.filter((e: { target_id: string }) => e.target_id === String(robot.tokenId));
      expect(mine.map((e: { ip: string; user_agent: string }) => `${e.ip} ${e.user_agent}`).sort()).toEqual(['10.0.0.5 python-requests/2.32', '10.0.0.9 qualytics-cli/1.0.4']);
      expect(mine[0]).toMatchObject({ actor_user_id: robot.id, actor_token_id: robot.tokenId, target_type: 'token', outcome: 'success' });
      t.clock.advance(-14 * 3_600_000);
    });

    it('defaults to 30 days, and the owner sees their own token\'s usage', async () => {
      const t = app();
      const m = await t.makeUser({ role: 'Member' });
      await call(m.token, '10.0.0.1', 'laptop');
      await t.server.app.flushUsage();
      const res = await t.request({ method: 'GET', url: `/api/user-tokens/${m.tokenId}/usage`, token: m.token });
      expect(res.statusCode).toBe(200);
      expect(res.json().daily).toHaveLength(30);
      expect(res.json().daily.at(-1)).toEqual({ date: '2026-06-01', requests: 1 });
    });

    it('tells what revoking a token, or all of a user\'s, would stop', async () => {
      const t = app();
      const robot = await t.makeUser({ type: 'Service', name: 'Blast Robot' });
      const idle = await t.makeToken(t.adminToken, { name: 'idle', user_id: robot.id });
      let radius = await t.request({ method: 'GET', url: `/api/user-tokens/${idle.id}/blast-radius`, token: t.adminToken });
      expect(radius.json()).toEqual({ days: 7, tokens: 1, requests: 0, clients: [], last_used: null, text: 'not used in the last 90 days' });
      for (let i = 0; i < 1204; i++) await call(robot.token, '10.0.0.5', 'python-requests/2.32');
      await call(idle.bearer_token, '10.0.0.9', 'qualytics-cli/1.0.4');
      await t.server.app.flushUsage();
      radius = await t.request({ method: 'GET', url: `/api/user-tokens/${robot.tokenId}/blast-radius`, token: t.adminToken });
      expect(radius.json()).toMatchObject({ requests: 1204, text: 'used 1,204 times by 1 client in the last 7 days: 10.0.0.5 python-requests/2.32' });
      const user = await t.request({ method: 'GET', url: `/api/users/${robot.id}/blast-radius`, token: t.adminToken });
      expect(user.json()).toMatchObject({
        tokens: 2,
        requests: 1205,
        text: 'used 1,205 times by 2 clients in the last 7 days: 10.0.0.5 python-requests/2.32, 10.0.0.9 qualytics-cli/1.0.4',
      });
      // A week later: not used in the window, but within 90 days.
      t.clock.advance(8 * 86_400_000);
      radius = await t.request({ method: 'GET', url: `/api/user-tokens/${robot.tokenId}/blast-radius`, token: t.adminToken });
      expect(radius.json().text).toBe('not used in the last 7 days (last used 2026-06-01)');
      t.clock.advance(-8 * 86_400_000);
    });
  });

  describe('error', () => {
    it('days must be 1–365 (422 naming the field)', async () => {
      const t = app();
      for (const days of ['0', '366', 'x']) {
        const res = await t.request({ method: 'GET', url: `/api/user-tokens/1/usage?days=${days}`, token: t.adminToken });
        expect(res.statusCode).toBe(422);
        expect(res.json().detail).toContain('days');
      }
    });
  });

  describe('security', () => {
    it("another user's token is not found (no oracle); a user's blast radius is for Admins", async () => {
      const t = app();
      const a = await t.makeUser({ role: 'Manager' });
      const b = await t.makeUser({ role: 'Member' });
      for (const url of [`/api/user-tokens/${a.tokenId}/usage`, `/api/user-tokens/${a.tokenId}/blast-radius`]) {
        const res = await t.request({ method: 'GET', url, token: b.token });
        expect(res.statusCode).toBe(404);
      }
      expect((await t.request({ method: 'GET', url: `/api/users/${b.id}/blast-radius`, token: a.token })).statusCode).toBe(403);
      expect((await t.request({ method: 'GET', url: '/api/users/999999/blast-radius', token: t.adminToken })).statusCode).toBe(404);
    });
  });
});

/** Two nodes on one PostgreSQL counting the same token: the sum of both, exactly, and one new-client event. */
describe.skipIf(!pgAvailable)('token usage on two nodes on one PostgreSQL', () => {
  const nodes = twoNodesOnOnePostgres();

  it('counts exactly the requests made on both nodes, flushed concurrently', async () => {
    const token = (await nodes.a.app.inject({ method: 'POST', url: '/api/user-tokens', headers: { authorization: `Bearer ${nodes.admin}` }, payload: { name: 'shared' } })).json();
    const use = (node: GatehouseServer) =>
      node.app.inject({ method: 'GET', url: '/api/users/me', remoteAddress: '10.2.2.2', headers: { authorization: `Bearer ${token.bearer_token}`, 'user-agent': 'job/1' } });
    for (let round = 0; round < 3; round++) {
      await Promise.all([...Array.from({ length: 20 }, () => use(nodes.a)), ...Array.from({ length: 13 }, () => use(nodes.b))]);
      await Promise.all([nodes.a.app.flushUsage(), nodes.b.app.flushUsage()]);
    }
    const usage = (await nodes.b.app.inject({ method: 'GET', url: `/api/user-tokens/${token.id}/usage?days=1`, headers: { authorization: `Bearer ${nodes.admin}` } })).json();
    expect(usage.daily[0].requests).toBe(99);
    expect(usage.clients).toMatchObject([{ ip: '10.2.2.2', user_agent: 'job/1', requests: 99 }]);
    const events = (await nodes.a.app.inject({ method: 'GET', url: '/api/audit-events?action=token.new_ip&size=100', headers: { authorization: `Bearer ${nodes.admin}` } })).json();
    expect(events.items.filter((e: { target_id: string }) => e.target_id === String(token.id))).toHaveLength(1);
  });
});
