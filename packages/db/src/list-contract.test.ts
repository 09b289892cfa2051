import { TOTAL_BOUND, type ListPage, type ListRequest, type Seek, type Token, type TokenQuery, type TokenSort, type User } from '@gatehouse/core';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OpenedStore } from './open-store.js';
import { DIALECTS, freshStore } from './test-support/test-databases.js';

const T0 = Date.parse('2026-06-01T10:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000);

/** Lists at scale (issue 27): keyset pages, filters, search and order, on every database. */
describe.each(DIALECTS)('lists on $kind', ({ kind, available }) => {
  let store: OpenedStore;
  let cleanup: () => Promise<void>;
  let seq = 0;

  beforeEach(async (ctx) => {
    if (!available) return ctx.skip();
    ({ store, cleanup } = await freshStore(kind));
  });
  afterEach(async () => {
    if (available) await cleanup();
  });

  const user = (userId: string, type: 'Human' | 'Service' = 'Service') =>
    store.users.create({ userId, email: null, name: userId, type, role: 'Member', teamIds: [], passwordHash: null, createdById: null, created: at(0) });

  const token = (owner: User, name: string, createdS: number, type: 'Personal' | 'Service' = 'Service') =>
    store.tokens.create({
      owner: { id: owner.id, userId: owner.userId, name: owner.name, type: owner.type }, name, type, scimEndpointsOnly: false, expiration: null,
      created: at(createdS), createdById: null, tokenHash: `h${seq++}-${Math.random()}`, jti: 'j', kid: 'k',
    });

  /** Every item of a list, walking its cursors forwards from the first page, or backwards from the last. */
  async function walk<T>(list: (r: ListRequest) => Promise<ListPage<T>>, limit: number, backwards = false, between?: () => Promise<void>): Promise<T[]> {
    const pages: T[][] = [];
    let seek: Seek = backwards ? { last: true } : { offset: 0 };
    for (let n = 0; n < 1000; n++) {
      const page = await list({ limit, seek });
      expect(page.items.length).toBeLessThanOrEqual(limit);
      pages.push(page.items);
      const to = backwards ? page.prev : page.next;
      if (!to) break;
      seek = backwards ? { before: to } : { after: to };
      await between?.();
    }
    if (backwards) pages.reverse();
    return pages.flat();
  }

  const tokenList = (q: Omit<TokenQuery, keyof ListRequest>, sort?: { by: TokenSort; desc: boolean }) => (r: ListRequest) =>
    store.tokens.list({ ...q, ...r, ...(sort ? { sort } : {}) });

  /** The expected order of tokens: by the sort value, then id, in the given direction. */
  function sorted(tokens: Token[], by: TokenSort, desc: boolean): number[] {
    const value = (t: Token) => (by === 'name' ? t.name.toLowerCase() : by === 'created' ? t.created.toISOString() : '');
    return [...tokens]
      .sort((a, b) => {
        const c = value(a) < value(b) ? -1 : value(a) > value(b) ? 1 : a.id - b.id;
        return desc ? -c : c;
      })
      .map((t) => t.id);
  }

  it('pages every order forwards and backwards: each token once, in order, ties broken by id', async () => {
    const a = await user('a@service');
    const b = await user('b@service');
    const all: Token[] = [];
    // Repeated creation times and names that fold to the same text (across owners), to test the ties.
    const taken = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const owner = i % 2 ? a : b;
      const name = `${i % 3 ? 'Tok' : 'tok'}-${i % 5}`;
      if (taken.has(`${owner.id} ${name}`)) continue;
      taken.add(`${owner.id} ${name}`);
      all.push(await token(owner, name, i % 4));
    }
    for (const by of ['created', 'name', 'id'] as const) {
      for (const desc of [false, true]) {
        const expected = sorted(all, by, desc);
        for (const limit of [1, 5, 23, 50]) {
          expect((await walk(tokenList({ scope: { service: true } }, { by, desc }), limit)).map((t) => t.id), `${by} ${desc} ${limit}`).toEqual(expected);
          expect(expected.length).toBeGreaterThan(15);
          expect((await walk(tokenList({ scope: { service: true } }, { by, desc }), limit, true)).map((t) => t.id), `back ${by} ${desc} ${limit}`).toEqual(expected);
        }
      }
    }
  });

  it('lists newest first by default; page numbers (offset) give the same rows with cursors to go on', async () => {
    const a = await user('a@service');
    for (let i = 0; i < 7; i++) await token(a, `t${i}`, i);
    const first = await store.tokens.list({ scope: { ownerId: a.id }, limit: 3 });
    expect(first.items.map((t) => t.name)).toEqual(['t6', 't5', 't4']);
    expect(first).toMatchObject({ total: 7, totalExact: true, prev: null });
    const second = await store.tokens.list({ scope: { ownerId: a.id }, limit: 3, seek: { offset: 3 } });
    expect(second.items.map((t) => t.name)).toEqual(['t3', 't2', 't1']);
    const after = await store.tokens.list({ scope: { ownerId: a.id }, limit: 3, seek: { after: first.next! } });
    expect(after.items).toEqual(second.items);
    const last = await store.tokens.list({ scope: { ownerId: a.id }, limit: 3, seek: { last: true } });
    expect(last.items.map((t) => t.name)).toEqual(['t2', 't1', 't0']);
    expect(last.next).toBeNull();
    expect(last.prev).not.toBeNull();
  });

  it('filters by owner and type, and an Admin sees their own tokens with every service token', async () => {
    const admin = await user('admin@x.io', 'Human');
    const other = await user('other@x.io', 'Human');
    const sa = await user('robot@service');
    await token(admin, 'mine', 1, 'Personal');
    await token(other, 'theirs', 2, 'Personal');
    await token(sa, 'robot', 3);
    const names = async (scope: TokenQuery['scope']) => (await store.tokens.list({ scope, limit: 10 })).items.map((t) => t.name);
    expect(await names({ ownerId: admin.id })).toEqual(['mine']);
    expect(await names({ service: true })).toEqual(['robot']);
    expect(await names({ service: true, ownerId: sa.id })).toEqual(['robot']);
    expect(await names({ service: true, ownerId: other.id })).toEqual([]);
    expect(await names({ ownOrServiceOf: admin.id })).toEqual(['robot', 'mine']);
  });

  it('searches by a case-insensitive prefix of the name, in any order', async () => {
    const a = await user('a@service');
    for (const [i, n] of ['api-prod', 'Api-dev', 'API', 'my-api', 'apx', 'ap'].entries()) await token(a, n, i);
    const search = async (s: string, sort?: { by: TokenSort; desc: boolean }) =>
      (await store.tokens.list({ scope: { service: true }, search: s, limit: 10, ...(sort ? { sort } : {}) })).items.map((t) => t.name);
    expect(await search('API', { by: 'name', desc: false })).toEqual(['API', 'Api-dev', 'api-prod']);
    expect(await search('api-')).toEqual(['Api-dev', 'api-prod']);
    expect(await search('zzz')).toEqual([]);
    // LIKE's wildcards are plain characters in a prefix.
    expect(await search('a%')).toEqual([]);
    expect(await search('a_i')).toEqual([]);
  });

  it(`counts exactly up to ${TOTAL_BOUND} rows, then gives a lower bound that stays above the rows seen`, async () => {
    const a = await user('many@service');
    const rows = Array.from({ length: TOTAL_BOUND + 25 }, (_, i) => ({
      user_id: a.id, name: `n${i}`, token_type: 'Service', scim_endpoints_only: kind === 'postgres' ? false : 0, expiration: null,
      created: kind === 'postgres' ? at(i) : at(i).toISOString(), created_by_id: null, last_used: null, last_used_ip: null, revoked_at: null,
      token_hash: `bulk-${i}`, jti: 'j', kid: 'k', revoked_by_id: null, revoke_reason: null,
    }));
    for (let i = 0; i < rows.length; i += 500) await store.db.insertInto('tokens').values(rows.slice(i, i + 500)).execute();
    const first = await store.tokens.list({ scope: { service: true }, limit: 50 });
    expect(first).toMatchObject({ total: TOTAL_BOUND, totalExact: false });
    const deep = await store.tokens.list({ scope: { service: true }, limit: 50, seek: { offset: TOTAL_BOUND } });
    expect(deep.items).toHaveLength(25);
    expect(deep.total).toBe(TOTAL_BOUND + 25);
    const notLast = await store.tokens.list({ scope: { service: true }, limit: 10, seek: { offset: TOTAL_BOUND } });
    expect(notLast.total).toBeGreaterThan(TOTAL_BOUND + 10);
    expect((await store.tokens.list({ scope: { service: true }, search: 'n1000', limit: 50 })).total).toBe(11);
  });

  it('no row skipped or repeated while rows are inserted and deleted between pages (property)', async () => {
    const owners = [await user('p@service'), await user('q@service')];
    const op = fc.oneof(
      fc.record({ kind: fc.constant('insert' as const), owner: fc.integer({ min: 0, max: 1 }), name: fc.stringMatching(/^[a-cA-C]{1,3}$/), created: fc.integer({ min: 0, max: 5 }) }),
      fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.stringMatching(/^[a-cA-C]{1,3}$/), fc.integer({ min: 0, max: 5 })), { minLength: 0, maxLength: 25 }),
        fc.array(fc.array(op, { maxLength: 3 }), { maxLength: 30 }),
        fc.constantFrom<TokenSort>('created', 'name', 'id'),
        fc.boolean(),
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        async (initial, rounds, by, desc, limit, backwards) => {
          await store.db.deleteFrom('tokens').execute();
          const live = new Map<number, Token>();
          const ever = new Map<number, Token>();
          for (const [i, [name, created]] of initial.entries()) {
            const t = await token(owners[i % 2]!, `${name}-${i}`, created);
            live.set(t.id, t);
            ever.set(t.id, t);
          }
          const there = new Set(live.keys());
          let round = 0;
          const between = async () => {
            for (const o of rounds[round++] ?? []) {
              if (o.kind === 'insert') {
                const t = await token(owners[o.owner]!, `${o.name}-x${seq}`, o.created);
                live.set(t.id, t);
                ever.set(t.id, t);
              } else if (live.size > 0) {
                const id = [...live.keys()][o.pick % live.size]!;
                await store.tokens.delete(id);
                live.delete(id);
                there.delete(id);
              }
            }
          };
          const seen = (await walk(tokenList({ scope: { service: true } }, { by, desc }), limit, backwards, between)).map((t) => t.id);
          // Never repeated; every row there from start to end seen; the order kept.
          expect(new Set(seen).size).toBe(seen.length);
          for (const id of there) expect(seen).toContain(id);
          const all = [...ever.values()].filter((t) => seen.includes(t.id));
          expect(seen).toEqual(sorted(all, by, desc));
        },
      ),
      { numRuns: kind === 'postgres' ? 15 : 30 },
    );
  });

  it('pages users (type filter, substring search), teams, and the audit log newest first', async () => {
    const people = [];
    for (let i = 0; i < 9; i++) people.push(await user(`u${i}@x.io`, i % 3 ? 'Human' : 'Service'));
    const humans = people.filter((u) => u.type === 'Human').map((u) => u.id);
    const userList = (r: ListRequest) => store.users.list({ ...r, type: 'Human' });
    expect((await walk(userList, 2)).map((u) => u.id)).toEqual(humans);
    expect((await walk(userList, 4, true)).map((u) => u.id)).toEqual(humans);
    expect((await store.users.list({ limit: 10, search: 'U7@' })).items.map((u) => u.userId)).toEqual(['u7@x.io']);

    for (let i = 0; i < 5; i++) await store.teams.create({ name: `team${i}`, description: null, userIds: [], created: at(0) });
    expect((await walk((r) => store.teams.list(r), 2)).map((t) => t.name)).toEqual(['team0', 'team1', 'team2', 'team3', 'team4']);

    const base = { actorTokenId: null, targetType: null, targetId: null, ip: null, userAgent: null, outcome: 'success' as const, details: null };
    await store.audit.append(Array.from({ length: 11 }, (_, i) => ({ ...base, at: at(i), actorUserId: people[i % 2]!.id, action: i % 3 ? 'token.created' : 'token.revoked' })));
    const events = await walk((r) => store.audit.list({ ...r, action: 'token.created' }), 3);
    expect(events.map((e) => e.at.getTime())).toEqual([10, 8, 7, 5, 4, 2, 1].map((s) => at(s).getTime()));
    expect((await walk((r) => store.audit.list({ ...r, actorUserId: people[0]!.id }), 2, true)).map((e) => e.at.getTime())).toEqual(
      [10, 8, 6, 4, 2, 0].map((s) => at(s).getTime()),
    );
  });

  it('searches users by a substring of user id, name or e-mail: case as before, % and _ literal (like.ts), short needles, renamed users', async () => {
    const mk = (userId: string, name: string, email: string | null) =>
      store.users.create({ userId, email, name, type: 'Human', role: 'Member', teamIds: [], passwordHash: null, createdById: null, created: at(0) });
    const made = [
      await mk('ada@x.io', 'Ada Lovelace', 'ada@x.io'),
      await mk('bjensen', 'Barbara Jensen', 'babs@home.example'),
      await mk('sale', '50% off_sale', null),
      await mk('zoe', 'Zoë Éclair', 'zoe@x.io'),
      await mk('grace', 'Grace "Amazing" Hopper', 'grace@navy.mil'),
    ];
    // What ILIKE (PostgreSQL: lower() both sides) or LIKE (SQLite: ASCII case only) found.
    const fold = (v: string) => (kind === 'postgres' ? v.toLowerCase() : v.replace(/[A-Z]/g, (c) => c.toLowerCase()));
    const oracle = (needle: string) => made.filter((u) => [u.userId, u.name, u.email ?? ''].some((v) => fold(v).includes(fold(needle)))).map((u) => u.id);
    const search = async (needle: string) => (await store.users.list({ limit: 50, search: needle })).items.map((u) => u.id);
    for (const needle of ['ada', 'ADA LOVE', 'ov', 'a', 'x.io', '%', '50%', '_', 'f_s', 'f%s', '% off_', 'zoë', 'ÉCLAIR', 'éclair', '"amazing"', 'navy.mil', 'HOME.EX', 'nothing here']) {
      expect(await search(needle), needle).toEqual(oracle(needle));
    }
    expect(await search('lovelace')).toEqual([made[0]!.id]);
    // The index follows renames and new e-mails.
    await store.users.update(made[0]!.id, { name: 'Augusta King', email: 'countess@x.io' });
    expect(await search('lovelace')).toEqual([]);
    expect(await search('augusta')).toEqual([made[0]!.id]);
    expect(await search('countess')).toEqual([made[0]!.id]);
    await store.users.delete(made[1]!.id);
    expect(await search('jensen')).toEqual([]);
  });

  describe('a team\'s members', () => {
    const named = (name: string, type: 'Human' | 'Service' = 'Human') =>
      store.users.create({ userId: `${name.toLowerCase()}-${seq++}@x.io`, email: `${name.toLowerCase()}@mail.io`, name, type, role: 'Member', teamIds: [], passwordHash: null, createdById: null, created: at(0) });
    /** Member ids in the members list's order: folded name, then id. */
    const byName = (us: User[]) => [...us].sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : a.name.toLowerCase() > b.name.toLowerCase() ? 1 : a.id - b.id)).map((u) => u.id);

    it('counts members exactly after adds, removals, deactivation and deletion; previews the first by name', async () => {
      const us: User[] = [];
      for (const n of ['delta', 'Alpha', 'charlie', 'Bravo', 'alpha', 'echo', 'Foxtrot', 'golf', 'hotel', 'India', 'juliet', 'Kilo']) us.push(await named(n));
      const svc = await named('robot', 'Service');
      const team = await store.teams.create({ name: 'big', description: null, userIds: [...us.slice(0, 6).map((u) => u.id), svc.id], created: at(0) });
      expect(team.userCount).toBe(7);
      await store.teams.changeMembers(team.id, { add: us.slice(6).map((u) => u.id), remove: [us[0]!.id] });
      let now = (await store.teams.findById(team.id))!;
      expect(now.userCount).toBe(12);
      const members = [...us.slice(1), svc];
      // The preview: the first 10 by name, case-insensitive, ties by id.
      expect(now.users.map((u) => u.id)).toEqual(byName(members).slice(0, 10));
      expect((await store.teams.findById(team.id, 3))!.users.map((u) => u.id)).toEqual(byName(members).slice(0, 3));
      // A deactivated user stays a member (and is counted); a deleted one is gone.
      await store.users.update(us[1]!.id, { active: false });
      expect((await store.teams.findById(team.id))!.userCount).toBe(12);
      const page = await store.teams.members(team.id, { limit: 50 });
      expect(page.items.find((m) => m.id === us[1]!.id)).toMatchObject({ active: false, email: 'alpha@mail.io' });
      await store.users.delete(us[2]!.id);
      now = (await store.teams.findById(team.id))!;
      expect(now.userCount).toBe(11);
      expect(now.users.map((u) => u.id)).not.toContain(us[2]!.id);
      // The list's counts are the same as one team's.
      const listed = (await store.teams.list({ limit: 10 })).items.find((t) => t.id === team.id)!;
      expect(listed.userCount).toBe(11);
      expect(listed.users).toEqual(now.users);
      expect((await store.teams.list({ limit: 10, preview: 0 })).items.find((t) => t.id === team.id)!.users).toEqual([]);
      // SCIM reads a type whole, by id.
      expect((await store.teams.allMembers(team.id, 'Service')).map((u) => u.id)).toEqual([svc.id]);
      expect((await store.teams.memberIdsAmong(team.id, [us[0]!.id, us[3]!.id, 999999])).sort()).toEqual([us[3]!.id]);
      // Every path that changes members keeps the count: replacing them, a user's own teams, a new user.
      await store.teams.update(team.id, { userIds: [us[3]!.id, us[4]!.id] });
      expect((await store.teams.findById(team.id))!.userCount).toBe(2);
      await store.users.update(us[5]!.id, { teamIds: [team.id] });
      await store.users.update(us[3]!.id, { teamIds: [] });
      expect((await store.teams.findByNames(['big']))[0]!.userCount).toBe(2);
      const joined = await store.users.create({ userId: 'late@x.io', email: null, name: 'Late', type: 'Human', role: 'Member', teamIds: [team.id], passwordHash: null, createdById: null, created: at(0) });
      expect((await store.teams.findById(team.id))!.users.map((u) => u.id)).toEqual(byName([us[4]!, us[5]!, joined]));
      expect((await store.teams.findById(team.id))!.userCount).toBe(3);
    });

    it('people joining the same teams at once, in any order, all get in and are counted (no deadlock on the counts)', async () => {
      const teams = [];
      for (let i = 0; i < 4; i++) teams.push(await store.teams.create({ name: `crowd-${i}`, description: null, userIds: [], created: at(0) }));
      const publicTeam = await store.teams.ensurePublic(at(0));
      // Each person in Public and a different subset of the four, listed in a shuffled order.
      const joins = Array.from({ length: 40 }, (_, i) => [publicTeam.id, ...teams.filter((_, k) => (i >> k) & 1).map((t) => t.id)].sort(() => (i % 3) - 1));
      const before = (await store.teams.findById(publicTeam.id))!.userCount;
      const made = await Promise.all(joins.map((teamIds, i) =>
        store.users.create({ userId: `crowd-${i}-${seq++}@x.io`, email: null, name: `Crowd ${i}`, type: 'Human', role: 'Member', teamIds, passwordHash: null, createdById: null, created: at(0) })));
      expect(made).toHaveLength(40);
      expect((await store.teams.findById(publicTeam.id))!.userCount).toBe(before + 40);
      for (const [k, t] of teams.entries()) {
        expect((await store.teams.findById(t.id))!.userCount).toBe(joins.filter((_, i) => (i >> k) & 1).length);
      }
      // And leaving at once: every person deleted together.
      await Promise.all(made.map((u) => store.users.delete(u.id)));
      for (const t of teams) expect((await store.teams.findById(t.id))!.userCount).toBe(0);
      expect((await store.teams.findById(publicTeam.id))!.userCount).toBe(before);
    });

    it('pages members by name both ways and searches them like the user list', async () => {
      const us: User[] = [];
      for (let i = 0; i < 23; i++) us.push(await named(`${i % 2 ? 'Ann' : 'bob'} ${i % 4}`));
      const outsider = await named('Ann 0');
      const team = await store.teams.create({ name: 'paged', description: null, userIds: us.map((u) => u.id), created: at(0) });
      const expected = byName(us);
      for (const limit of [1, 4, 50]) {
        expect((await walk((r) => store.teams.members(team.id, r), limit)).map((m) => m.id)).toEqual(expected);
        expect((await walk((r) => store.teams.members(team.id, r), limit, true)).map((m) => m.id)).toEqual(expected);
      }
      const found = await walk((r) => store.teams.members(team.id, { ...r, search: 'ANN 1' }), 2);
      expect(found.map((m) => m.id)).toEqual(byName(us.filter((u) => u.name === 'Ann 1')));
      expect(found.map((m) => m.id)).not.toContain(outsider.id);
      // By e-mail and user_id too, as GET /api/users searches.
      expect((await store.teams.members(team.id, { limit: 50, search: us[5]!.userId.toUpperCase() })).items.map((m) => m.id)).toEqual([us[5]!.id]);
      expect((await store.teams.members(team.id, { limit: 50, search: '@MAIL.io' })).total).toBe(23);
      expect((await store.teams.members(999999, { limit: 5 })).items).toEqual([]);
      // A renamed member moves to their new place in the order.
      await store.users.update(us[0]!.id, { name: 'Aaron' });
      expect((await store.teams.members(team.id, { limit: 1 })).items[0]).toMatchObject({ id: us[0]!.id, name: 'Aaron' });
      expect((await store.teams.findById(team.id, 1))!.users.map((u) => u.name)).toEqual(['Aaron']);
    });

    it('no member skipped or repeated while members are added and removed between pages (property)', async () => {
      const pool: User[] = [];
      for (let i = 0; i < 30; i++) pool.push(await named(['a', 'B', 'c', 'A', 'b'][i % 5]! + String(i % 3)));
      const team = await store.teams.create({ name: 'moving', description: null, userIds: [], created: at(0) });
      const op = fc.record({ add: fc.boolean(), pick: fc.nat() });
      await fc.assert(
        fc.asyncProperty(
          fc.subarray(pool.map((u) => u.id)),
          fc.array(fc.array(op, { maxLength: 3 }), { maxLength: 20 }),
          fc.integer({ min: 1, max: 5 }),
          fc.boolean(),
          async (initial, rounds, limit, backwards) => {
            await store.db.deleteFrom('team_members').where('team_id', '=', team.id).execute();
            await store.teams.changeMembers(team.id, { add: initial, remove: [] });
            const live = new Set(initial);
            const there = new Set(initial);
            let round = 0;
            const between = async () => {
              for (const o of rounds[round++] ?? []) {
                const u = pool[o.pick % pool.length]!.id;
                if (o.add) live.add(u);
                else if (live.delete(u)) there.delete(u);
                await store.teams.changeMembers(team.id, o.add ? { add: [u], remove: [] } : { add: [], remove: [u] });
              }
            };
            const seen = (await walk((r) => store.teams.members(team.id, r), limit, backwards, between)).map((m) => m.id);
            expect(new Set(seen).size).toBe(seen.length);
            for (const id of there) expect(seen).toContain(id);
            expect(seen).toEqual(byName(pool).filter((id) => seen.includes(id)));
            expect((await store.teams.findById(team.id))!.userCount).toBe(live.size);
          },
        ),
        { numRuns: kind === 'postgres' ? 15 : 30 },
      );
    });
  });
});

