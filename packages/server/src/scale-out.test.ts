import { pgAvailable } from '@gatehouse/db/test-support';
import { describe, expect, it } from 'vitest';
import type { GatehouseServer } from './server.js';
import { twoNodesOnOnePostgres } from './test-support/two-nodes.js';

/** Two nodes on one PostgreSQL: what one node changes, the other applies from its cache's point of view. */
describe.skipIf(!pgAvailable)('two nodes on one PostgreSQL', () => {
  const nodes = twoNodesOnOnePostgres();

  const call = (node: GatehouseServer, token: string, url = '/api/users/me') => node.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  const on = (node: GatehouseServer, method: 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    node.app.inject({ method, url, headers: { authorization: `Bearer ${nodes.admin}` }, ...(payload !== undefined ? { payload: payload as object } : {}) });

  /** Polls node B until `check` holds; returns how long it took. Fails after 3 s. */
  async function within(check: () => Promise<boolean>): Promise<number> {
    const start = performance.now();
    while (performance.now() - start < 3000) {
      if (await check()) return performance.now() - start;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error('the other node did not apply the change within 3 s');
  }

  async function warmToken(name: string, extra: Record<string, unknown> = {}) {
    const t = (await on(nodes.a, 'POST', '/api/user-tokens', { name, ...extra })).json();
    // Tokens are cached on their second use (the cache's admission rule): two calls.
    const before = nodes.b.app.gatehouse.cache.size;
    expect((await call(nodes.b, t.bearer_token)).statusCode).toBe(200);
    expect(nodes.b.app.gatehouse.cache.size).toBe(before);
    expect((await call(nodes.b, t.bearer_token)).statusCode).toBe(200); // now cached on B
    expect(nodes.b.app.gatehouse.cache.size).toBe(before + 1);
    return t as { id: number; bearer_token: string };
  }

  it('both nodes listen for changes', () => {
    expect(nodes.a.app.gatehouse.deps.changes.healthy).toBe(true);
    expect(nodes.b.app.gatehouse.deps.changes.healthy).toBe(true);
  });

  it('a revocation on A is refused by B (and restore, then delete)', async () => {
    const t = await warmToken('revoke-me');
    await on(nodes.a, 'PUT', `/api/user-tokens/${t.id}`, { revoke: true });
    expect((await call(nodes.a, t.bearer_token)).statusCode).toBe(401); // the very next request on A
    await within(async () => (await call(nodes.b, t.bearer_token)).statusCode === 401);
    await on(nodes.a, 'PUT', `/api/user-tokens/${t.id}`, { revoke: false });
    await within(async () => (await call(nodes.b, t.bearer_token)).statusCode === 200);
    await on(nodes.a, 'PUT', `/api/user-tokens/${t.id}`, { revoke: true });
    await on(nodes.a, 'DELETE', `/api/user-tokens/${t.id}`);
    await within(async () => (await call(nodes.b, t.bearer_token)).statusCode === 401);
  });

  it('a leak reported on A (POST /api/leaks) is refused by B', async () => {
    const t = await warmToken('leaked-on-github');
    const report = await on(nodes.a, 'POST', '/api/leaks', [{ token: t.bearer_token, type: 'gatehouse_token', url: 'https://example.com/x', source: 'content' }]);
    expect(report.json()[0].label).toBe('true_positive');
    expect((await call(nodes.a, t.bearer_token)).statusCode).toBe(401);
    await within(async () => (await call(nodes.b, t.bearer_token)).statusCode === 401);
  });

  it("an IP allowlist set on A applies to B's cached token", async () => {
    const t = await warmToken('narrowed');
    await on(nodes.a, 'PUT', `/api/user-tokens/${t.id}`, { allowed_ips: ['10.0.0.0/8'] });
    await within(async () => (await call(nodes.b, t.bearer_token)).statusCode === 403);
    expect((await call(nodes.b, t.bearer_token)).json().code).toBe('IP_NOT_ALLOWED');
  });

  it('a rotation on A kills the old secret on B', async () => {
    const t = await warmToken('rotate-me');
    await on(nodes.a, 'POST', `/api/user-tokens/${t.id}/rotate`, {});
    await within(async () => (await call(nodes.b, t.bearer_token)).statusCode === 401);
  });

  it('deactivating the user on A stops their cached token on B; reactivating restores it', async () => {
    const sa = (await on(nodes.a, 'POST', '/api/users', { name: 'Two Node Bot', role: 'Member' })).json();
    const t = await warmToken('svc', { user_id: sa.id });
    await on(nodes.a, 'PUT', `/api/users/${sa.id}`, { active: false });
    await within(async () => (await call(nodes.b, t.bearer_token)).statusCode === 401);
    await on(nodes.a, 'PUT', `/api/users/${sa.id}`, { active: true });
    await within(async () => (await call(nodes.b, t.bearer_token)).statusCode === 200);
  });

  it('a role change on A applies on B (403 → 200)', async () => {
    const sa = (await on(nodes.a, 'POST', '/api/users', { name: 'Promoted Bot', role: 'Member' })).json();
    const t = await warmToken('svc', { user_id: sa.id });
    expect((await call(nodes.b, t.bearer_token, '/api/users')).statusCode).toBe(403);
    await on(nodes.a, 'PUT', `/api/users/${sa.id}`, { role: 'Manager' });
    await within(async () => (await call(nodes.b, t.bearer_token, '/api/users')).statusCode === 200);
  });

  it("a team change on A applies on B: the datastores of a Member's cached token follow their teams", async () => {
    const sa = (await on(nodes.a, 'POST', '/api/users', { name: 'Team Bot', role: 'Member' })).json();
    const t = await warmToken('svc', { user_id: sa.id });
    const team = (await on(nodes.a, 'POST', '/api/teams', { name: 'Two-node team' })).json();
    const ds = (await on(nodes.a, 'POST', '/api/datastores', { name: 'two-node-ds', type: 'postgresql', teams: ['Two-node team'] })).json();
    const visibleOnB = async () => {
      const res = await call(nodes.b, t.bearer_token, '/api/datastores?size=1000');
      expect(res.statusCode).toBe(200);
      return res.json().items.some((d: { id: number }) => d.id === ds.id);
    };
    expect(await visibleOnB()).toBe(false);
    await on(nodes.a, 'PUT', `/api/teams/${team.id}`, { user_ids: [sa.id] });
    await within(visibleOnB);
    await on(nodes.a, 'PUT', `/api/teams/${team.id}`, { user_ids: [] });
    await within(async () => !(await visibleOnB()));
  });

  it("datastore changes on A reach B's cached datastore lists: create, update, a connection's rename, delete", async () => {
    const sa = (await on(nodes.a, 'POST', '/api/users', { name: 'List Bot', role: 'Member' })).json();
    const t = await warmToken('lists', { user_id: sa.id });
    const list = async () => (await call(nodes.b, t.bearer_token, '/api/datastores?search=listed-&size=100')).json().items as { id: number; name: string; host: string | null; connection: { name: string } | null }[];
    expect(await list()).toEqual([]);
    expect(await list()).toEqual([]); // answered from B's cache now
    const c = (await on(nodes.a, 'POST', '/api/connections', { name: 'listed-conn', type: 'postgresql', host: 'one.internal' })).json();
    const ds = (await on(nodes.a, 'POST', '/api/datastores', { name: 'listed-ds', connection_id: c.id })).json();
    await within(async () => (await list()).length === 1);
    await on(nodes.a, 'PUT', `/api/connections/${c.id}`, { name: 'listed-conn-2', host: 'two.internal' });
    await within(async () => (await list())[0]?.connection?.name === 'listed-conn-2' && (await list())[0]?.host === 'two.internal');
    await on(nodes.a, 'PUT', `/api/datastores/${ds.id}`, { name: 'listed-ds-2' });
    await within(async () => (await list())[0]?.name === 'listed-ds-2');
    await on(nodes.a, 'DELETE', `/api/datastores/${ds.id}`);
    await within(async () => (await list()).length === 0);
  });

  it('B reads a user once for all their tokens, and a change on A reaches the tokens B has never seen', async () => {
    const sa = (await on(nodes.a, 'POST', '/api/users', { name: 'Fleet Bot', role: 'Member' })).json();
    const first = await warmToken('first', { user_id: sa.id });
    const unseen: string[] = [];
    for (const name of ['second', 'third']) unseen.push((await on(nodes.a, 'POST', '/api/user-tokens', { name, user_id: sa.id })).json().bearer_token);
    expect(nodes.b.app.gatehouse.cache.user(sa.id, Date.now())?.role).toBe('Member');
    // Promoted on A: a token B never saw is answered with the new role.
    await on(nodes.a, 'PUT', `/api/users/${sa.id}`, { role: 'Manager' });
    await within(async () => (await call(nodes.b, unseen[0]!, '/api/users')).statusCode === 200);
    // Deactivated on A: the cached token and a never-seen one are both refused on B.
    await on(nodes.a, 'PUT', `/api/users/${sa.id}`, { active: false });
    await within(async () => (await call(nodes.b, first.bearer_token)).statusCode === 401);
    expect((await call(nodes.b, unseen[1]!)).statusCode).toBe(401);
  });

  it('a node that loses its LISTEN connection serves uncached (correct) answers, then reconnects', async () => {
    const t = await warmToken('feed-down');
    const bus = nodes.b.app.gatehouse.deps.changes;
    // Kill the LISTEN connections of this database schema, as a network cut or a restart would.
    const killer = nodes.a.store.pgPool!;
    await killer.query(`select pg_terminate_backend(pid) from pg_stat_activity where query like 'LISTEN "gatehouse_auth_${nodes.db.pgSchema}"%'`);
    await within(async () => bus.healthy === false);
    expect(nodes.b.app.gatehouse.cache.size).toBe(0);
    await on(nodes.a, 'PUT', `/api/user-tokens/${t.id}`, { revoke: true });
    expect((await call(nodes.b, t.bearer_token)).statusCode).toBe(401);
    expect(nodes.b.app.gatehouse.cache.size).toBe(0);
    await within(async () => bus.healthy === true);
    await on(nodes.a, 'PUT', `/api/user-tokens/${t.id}`, { revoke: false });
    await within(async () => (await call(nodes.b, t.bearer_token)).statusCode === 200);
  });
});
