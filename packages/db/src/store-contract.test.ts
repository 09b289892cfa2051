import { DomainError, PUBLIC_TEAM, type NewToken, type Revocation, type TokenScope, type UserRef } from '@gatehouse/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OpenedStore } from './open-store.js';
import { DIALECTS, freshStore } from './test-support/test-databases.js';

const T0 = new Date('2026-06-01T10:00:00.000Z');
const later = (ms: number) => new Date(T0.getTime() + ms);

const revocation = (at: Date, reason: Revocation['reason'] = 'admin', byId: number | null = null): Revocation => ({ at, byId, reason });

function tokenInput(owner: UserRef, name: string, extra: Partial<NewToken> = {}): NewToken {
  return {
    owner: { id: owner.id, userId: owner.userId, name: owner.name, type: owner.type }, name, type: 'Service', scimEndpointsOnly: false, expiration: null, created: T0, createdById: null,
    tokenHash: `hash-${owner.id}-${name}-${Math.random()}`, jti: 'jti', kid: 'k1', ...extra,
  };
}

async function expectCode(p: Promise<unknown>, code: string) {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(DomainError);
  expect((e as DomainError).code).toBe(code);
}

// One contract, every database (STYLE.md: storage tests loop over the dialects).
describe.each(DIALECTS)('store contract on $kind', ({ kind, available }) => {
  let store: OpenedStore;
  let cleanup: () => Promise<void>;
  let publicId: number;

  beforeEach(async (ctx) => {
    if (!available) return ctx.skip();
    ({ store, cleanup } = await freshStore(kind));
    publicId = (await store.teams.ensurePublic(T0)).id;
  });
  afterEach(async () => {
    if (available) await cleanup();
  });

  async function user(userId: string, extra: { role?: 'Admin' | 'Member'; type?: 'Human' | 'Service'; teamIds?: number[] } = {}) {
    return store.users.create({
      userId, email: extra.type === 'Service' ? null : userId, name: userId, type: extra.type ?? 'Human', role: extra.role ?? 'Member',
      teamIds: extra.teamIds ?? [publicId], passwordHash: 'h', createdById: null, created: T0,
    });
  }

  describe('users', () => {
    it('creates a user in its teams and finds it case-insensitively', async () => {
      const eng = await store.teams.create({ name: 'Engineering', description: null, userIds: [], created: T0 });
      const u = await user('Ada@Example.com', { teamIds: [publicId, eng.id] });
      expect(u).toMatchObject({ userId: 'ada@example.com', type: 'Human', role: 'Member', active: true });
      expect(u.teams.map((t) => t.name)).toEqual([PUBLIC_TEAM, 'Engineering']);
      expect(u.created.toISOString()).toBe(T0.toISOString());
      expect((await store.users.findByUserId('ADA@example.COM'))?.id).toBe(u.id);
      expect(await store.users.count()).toBe(1);
    });

    it('tells which ids exist', async () => {
      const a = await user('exists@x.io');
      expect(await store.users.existingIds([a.id, 99999, a.id])).toEqual([a.id]);
      expect(await store.users.existingIds([])).toEqual([]);
    });

    it('refuses a second user with the same user_id, whatever the case', async () => {
      await user('api_access@service', { type: 'Service' });
      await expectCode(user('API_ACCESS@service', { type: 'Service' }), 'USER_EXISTS');
    });

    it('two simultaneous creations of one user_id: exactly one wins', async () => {
      const results = await Promise.allSettled([user('race@x.io'), user('race@x.io')]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect((failed.reason as DomainError).code).toBe('USER_EXISTS');
    });

    it('updates role, status and replaces teams atomically', async () => {
      const eng = await store.teams.create({ name: 'Eng', description: null, userIds: [], created: T0 });
      const u = await user('bob@x.io');
      await store.users.update(u.id, { role: 'Admin', active: false, deactivatedBy: 'admin', teamIds: [publicId, eng.id] });
      const updated = (await store.users.findById(u.id))!;
      expect(updated).toMatchObject({ role: 'Admin', active: false, deactivatedBy: 'admin', provisionedBy: 'local' });
      expect(updated.teams.map((t) => t.name)).toEqual([PUBLIC_TEAM, 'Eng']);
      expect(await store.users.countActiveAdmins()).toBe(0);
    });

    it('lists with type filter, search and paging', async () => {
      for (const n of ['a1@x.io', 'a2@x.io', 'b1@x.io']) await user(n);
      await user('robot@service', { type: 'Service' });
      const page = await store.users.list({ limit: 2, type: 'Human' });
      expect(page.total).toBe(3);
      expect(page.items.map((u) => u.userId)).toEqual(['a1@x.io', 'a2@x.io']);
      const search = await store.users.list({ limit: 10, search: 'A2' });
      expect(search.items.map((u) => u.userId)).toEqual(['a2@x.io']);
      expect((await store.users.list({ limit: 10, type: 'Service' })).items.map((u) => u.userId)).toEqual(['robot@service']);
    });
  });

  describe('teams', () => {
    it('ensurePublic is idempotent, also when called concurrently', async () => {
      const [a, b] = await Promise.all([store.teams.ensurePublic(T0), store.teams.ensurePublic(T0)]);
      expect(a.id).toBe(publicId);
      expect(b.id).toBe(publicId);
      expect((await store.teams.list({ limit: 10 })).total).toBe(1);
    });

    it('creates with members, renames, sets members, refuses duplicate names, deletes', async () => {
      const u = await user('m@x.io');
      const t = await store.teams.create({ name: 'Data', description: 'd', userIds: [u.id], created: T0 });
      expect(t.users.map((m) => m.userId)).toEqual(['m@x.io']);
      await expectCode(store.teams.create({ name: 'Data', description: null, userIds: [], created: T0 }), 'NAME_TAKEN');
      const renamed = await store.teams.update(t.id, { name: 'Data Quality', userIds: [] });
      expect(renamed).toMatchObject({ name: 'Data Quality', users: [] });
      await store.teams.delete(t.id);
      expect(await store.teams.findById(t.id)).toBeUndefined();
    });
  });

  describe('tokens', () => {
    it('stores a token and finds its auth record by hash; the user, with their teams, by id', async () => {
      const u = await user('svc@service', { type: 'Service', role: 'Admin' });
      const t = await store.tokens.create(tokenInput(u, 'api-production', { tokenHash: 'abc', expiration: later(1000), scimEndpointsOnly: true }));
      expect(t).toMatchObject({ name: 'api-production', type: 'Service', scimEndpointsOnly: true, lastUsed: null, revokedAt: null });
      expect(t.user).toEqual({ id: u.id, userId: 'svc@service', name: 'svc@service', type: 'Service' });
      // create() answers without reading the token back: what it answers is what a read returns.
      expect(await store.tokens.findById(t.id)).toEqual(t);
      const rec = await store.tokens.findAuthRecordByHash('abc');
      expect(rec).toMatchObject({ tokenId: t.id, scimEndpointsOnly: true, revokedAt: null, userId: u.id });
      expect(rec?.expiration?.toISOString()).toBe(later(1000).toISOString());
      expect((await store.users.findById(u.id))?.teams.map((x) => x.name)).toEqual([PUBLIC_TEAM]);
      expect(await store.tokens.findAuthRecordByHash('nope')).toBeUndefined();
    });

    it('keeps a token\'s scopes and IP allowlist (SPEC §11): on create, in its auth record, and through an allowlist change', async () => {
      const u = await user('narrow@example.com');
      const t = await store.tokens.create(tokenInput(u, 'narrow', { tokenHash: 'narrow-hash', scopes: ['datastores:read', 'teams:write'], allowedIps: ['10.0.0.0/8', '2001:db8::/32'] }));
      expect(await store.tokens.findById(t.id)).toEqual(t);
      expect(t).toMatchObject({ scopes: ['datastores:read', 'teams:write'], allowedIps: ['10.0.0.0/8', '2001:db8::/32'] });
      expect(await store.tokens.findAuthRecordByHash('narrow-hash')).toMatchObject({ scopes: ['datastores:read', 'teams:write'], allowedIps: ['10.0.0.0/8', '2001:db8::/32'] });
      expect(await store.tokens.update(t.id, { allowedIps: null })).toMatchObject({ scopes: ['datastores:read', 'teams:write'], allowedIps: null });
      const plain = await store.tokens.create(tokenInput(u, 'plain', { tokenHash: 'plain-hash' }));
      expect(await store.tokens.findById(plain.id)).toMatchObject({ scopes: null, allowedIps: null });
    });

    it('answers concurrent lookups each with its own record (batched into one statement)', async () => {
      const teamA = await store.teams.create({ name: 'A', description: null, userIds: [], created: T0 });
      const teamB = await store.teams.create({ name: 'B', description: null, userIds: [], created: T0 });
      const owners = [await user('one@example.com', { teamIds: [publicId, teamB.id, teamA.id] }), await user('two@example.com')];
      const tokens = [];
      for (let i = 0; i < 30; i++) {
        const owner = owners[i % 2]!;
        tokens.push({ owner, token: await store.tokens.create(tokenInput(owner, `t${i}`, { tokenHash: `h${i}`, type: i % 3 ? 'Service' : 'Personal' })) });
      }
      await store.tokens.update(tokens[7]!.token.id, { revocation: revocation(later(1)) });
      // Same tick: known hashes, unknown ones and one hash asked three times.
      const asked = [...tokens.map((_, i) => `h${i}`), 'unknown-1', 'h4', 'unknown-2', 'h4'];
      const records = await Promise.all(asked.map((h) => store.tokens.findAuthRecordByHash(h)));
      asked.forEach((h, i) => {
        const rec = records[i];
        if (h.startsWith('unknown')) return expect(rec).toBeUndefined();
        const { owner, token } = tokens[Number(h.slice(1))]!;
        expect(rec).toMatchObject({ tokenId: token.id, tokenName: token.name, type: token.type, userId: owner.id });
        expect(rec!.revokedAt !== null).toBe(h === 'h7');
      });
      // The users of those tokens, read concurrently, each with their teams in team order.
      const users = await Promise.all(owners.map((o) => store.users.findById(o.id)));
      expect(users.map((u) => u?.teams.map((x) => x.name))).toEqual([[PUBLIC_TEAM, 'A', 'B'], [PUBLIC_TEAM]]);
    });

    it('writes a token with its audit event, and a refused creation writes neither', async () => {
      const a = await user('audited@x.io');
      const event = (tokenId: number) => ({
        at: later(2), actorUserId: a.id, actorTokenId: null, action: 'token.created', targetType: 'token', targetId: String(tokenId),
        ip: '10.0.0.1', userAgent: 'ua', outcome: 'success' as const, details: { name: 'ci' },
      });
      const t = await store.tokens.create(tokenInput(a, 'ci'), (id) => ({ audit: event(id) }));
      await expectCode(store.tokens.create(tokenInput(a, 'ci'), (id) => ({ audit: event(id) })), 'NAME_TAKEN');
      const events = await store.audit.list({ limit: 10, action: 'token.created', actorUserId: a.id });
      expect(events.items.map((e) => [e.targetId, e.ip, e.details])).toEqual([[String(t.id), '10.0.0.1', { name: 'ci' }]]);
    });

    it('names are unique per user, not globally', async () => {
      const a = await user('a@x.io');
      const b = await user('b@x.io');
      await store.tokens.create(tokenInput(a, 'ci'));
      await store.tokens.create(tokenInput(b, 'ci'));
      await expectCode(store.tokens.create(tokenInput(a, 'ci')), 'NAME_TAKEN');
    });

    it('two simultaneous creations of the same token name: exactly one wins, the other is NAME_TAKEN', async () => {
      const a = await user('a@x.io');
      const results = await Promise.allSettled([store.tokens.create(tokenInput(a, 'same')), store.tokens.create(tokenInput(a, 'same'))]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as DomainError).code).toBe('NAME_TAKEN');
    });

    it('revokes, restores, renames, rotates the secret and deletes', async () => {
      const a = await user('a@x.io');
      const t = await store.tokens.create(tokenInput(a, 'one', { tokenHash: 'h1' }));
      const revoked = await store.tokens.update(t.id, { revocation: revocation(later(5), 'owner', a.id) });
      expect(revoked).toMatchObject({ revokedById: a.id, revokeReason: 'owner' });
      expect(revoked.revokedAt?.toISOString()).toBe(later(5).toISOString());
      expect(await store.tokens.findById(t.id)).toEqual(revoked);
      expect((await store.tokens.findAuthRecordByHash('h1'))?.revokedAt).not.toBeNull();
      expect(await store.tokens.update(t.id, { revocation: null })).toMatchObject({ revokedAt: null, revokedById: null, revokeReason: null });
      expect((await store.tokens.update(t.id, { name: 'two' })).name).toBe('two');
      // A rename and a revocation in one write.
      expect(await store.tokens.update(t.id, { name: 'three', revocation: revocation(later(6), 'incident') })).toMatchObject({ name: 'three', revokeReason: 'incident' });
      await store.tokens.update(t.id, { revocation: null });
      await store.tokens.replaceSecret(t.id, { tokenHash: 'h2', jti: 'j2', kid: 'k1', expiration: null });
      expect(await store.tokens.findAuthRecordByHash('h1')).toBeUndefined();
      expect((await store.tokens.findAuthRecordByHash('h2'))?.tokenId).toBe(t.id);
      await store.tokens.delete(t.id);
      expect(await store.tokens.findById(t.id)).toBeUndefined();
      await expectCode(store.tokens.update(t.id, { revocation: null }), 'NOT_FOUND');
    });

    it('revokes every active token of a user and reports which', async () => {
      const a = await user('a@x.io');
      const b = await user('b@x.io');
      const t1 = await store.tokens.create(tokenInput(a, 't1'));
      const t2 = await store.tokens.create(tokenInput(a, 't2'));
      const t3 = await store.tokens.create(tokenInput(a, 't3'));
      const other = await store.tokens.create(tokenInput(b, 'other'));
      await store.tokens.update(t3.id, { revocation: revocation(T0, 'owner', a.id) });
      expect(await store.tokens.revokeAllOfUser(a.id, revocation(later(1), 'incident', b.id))).toEqual([t1.id, t2.id]);
      expect(await store.tokens.findById(t1.id)).toMatchObject({ revokedById: b.id, revokeReason: 'incident' });
      // An earlier revocation keeps its own time and reason.
      expect(await store.tokens.findById(t3.id)).toMatchObject({ revokedById: a.id, revokeReason: 'owner' });
      expect((await store.tokens.findById(t3.id))?.revokedAt?.toISOString()).toBe(T0.toISOString());
      expect((await store.tokens.findById(other.id))?.revokedAt).toBeNull();
    });

    it('lists own tokens and service tokens', async () => {
      const h = await user('h@x.io');
      const s = await user('s@service', { type: 'Service' });
      await store.tokens.create(tokenInput(h, 'mine', { type: 'Personal' }));
      await store.tokens.create(tokenInput(s, 'svc'));
      const names = async (scope: TokenScope) => (await store.tokens.list({ scope, limit: 10 })).items.map((t) => t.name);
      expect(await names({ ownerId: h.id })).toEqual(['mine']);
      expect(await names({ service: true })).toEqual(['svc']);
      expect(await names({ service: true, ownerId: h.id })).toEqual([]);
      expect((await names({ ownOrServiceOf: h.id })).sort()).toEqual(['mine', 'svc']);
    });

    it('records usage in batches and never moves last_used back', async () => {
      const a = await user('a@x.io');
      const t1 = await store.tokens.create(tokenInput(a, 't1'));
      const t2 = await store.tokens.create(tokenInput(a, 't2'));
      await store.tokens.recordUsage([
        { tokenId: t2.id, atMs: later(2000).getTime(), ip: '10.0.0.2', clients: [] },
        { tokenId: t1.id, atMs: later(1000).getTime(), ip: '10.0.0.1', clients: [] },
      ]);
      await store.tokens.recordUsage([{ tokenId: t1.id, atMs: later(500).getTime(), ip: '10.9.9.9', clients: [] }]);
      // A use without a known address keeps the last known one.
      await store.tokens.recordUsage([{ tokenId: t2.id, atMs: later(3000).getTime(), ip: null, clients: [] }]);
      const [r1, r2] = [await store.tokens.findById(t1.id), await store.tokens.findById(t2.id)];
      expect(r1?.lastUsed?.toISOString()).toBe(later(1000).toISOString());
      expect(r1?.lastUsedIp).toBe('10.0.0.1');
      expect(r2?.lastUsed?.toISOString()).toBe(later(3000).toISOString());
      expect(r2?.lastUsedIp).toBe('10.0.0.2');
      // Kept to the second, the precision of the API.
      await store.tokens.recordUsage([{ tokenId: t1.id, atMs: later(4700).getTime(), ip: null, clients: [] }]);
      expect((await store.tokens.findById(t1.id))?.lastUsed?.toISOString()).toBe(later(4000).toISOString());
      // A large batch goes through in chunks.
      const many = await Promise.all(Array.from({ length: 450 }, (_, i) => store.tokens.create(tokenInput(a, `bulk-${i}`))));
      await store.tokens.recordUsage(many.map((t) => ({ tokenId: t.id, atMs: later(9000).getTime(), ip: null, clients: [] })));
      expect((await store.tokens.findById(many[449]!.id))?.lastUsed?.toISOString()).toBe(later(9000).toISOString());
    });

    it('counts tokens by state', async () => {
      const a = await user('a@x.io');
      await store.tokens.create(tokenInput(a, 'live', { expiration: later(10_000) }));
      await store.tokens.create(tokenInput(a, 'old', { expiration: later(-1) }));
      const r = await store.tokens.create(tokenInput(a, 'gone'));
      await store.tokens.update(r.id, { revocation: revocation(T0) });
      expect(await store.tokens.countByState(T0)).toEqual({ active: 1, revoked: 1, expired: 1 });
    });
  });

  describe('datastores', () => {
    it('scopes the list to teams, filters by type and search, sorts and pages', async () => {
      const eng = await store.teams.create({ name: 'Eng', description: null, userIds: [], created: T0 });
      const ops = await store.teams.create({ name: 'Ops', description: null, userIds: [], created: T0 });
      const mk = (name: string, type: string, teamIds: number[]) =>
        store.datastores.create({ name, type, host: `${name}.db`, port: 5432, database: 'd', schema: 's', teamIds, connectionId: null, tags: [], enrichmentOnly: false, created: T0, createdById: null });
      await mk('warehouse', 'snowflake', [eng.id]);
      await mk('orders', 'postgresql', [ops.id]);
      await mk('public-data', 'bigquery', [publicId]);
      const sort = { by: 'name' as const, desc: false };
      const engView = await store.datastores.list({ offset: 0, limit: 10, visibleToTeamIds: [publicId, eng.id], sort });
      expect(engView.items.map((d) => d.name)).toEqual(['public-data', 'warehouse']);
      expect(engView.total).toBe(2);
      const all = await store.datastores.list({ offset: 0, limit: 10, sort: { by: 'name', desc: true } });
      expect(all.items.map((d) => d.name)).toEqual(['warehouse', 'public-data', 'orders']);
      expect((await store.datastores.list({ offset: 0, limit: 10, types: ['postgresql', 'bigquery'], sort })).total).toBe(2);
      expect((await store.datastores.list({ offset: 0, limit: 10, search: 'WARE', sort })).items[0]?.teams).toEqual([{ id: eng.id, name: 'Eng' }]);
      expect((await store.datastores.list({ offset: 1, limit: 1, sort })).items.map((d) => d.name)).toEqual(['public-data']);
      expect((await store.datastores.list({ offset: 0, limit: 10, visibleToTeamIds: [], sort })).total).toBe(0);
    });

    it('tells whether a name is in use among the datastores of some teams (names are unique per viewer)', async () => {
      const eng = await store.teams.create({ name: 'Eng', description: null, userIds: [], created: T0 });
      const ops = await store.teams.create({ name: 'Ops', description: null, userIds: [], created: T0 });
      const orders = await store.datastores.create({ name: 'orders', type: 'postgresql', host: null, port: null, database: null, schema: null, teamIds: [ops.id], connectionId: null, tags: [], enrichmentOnly: false, created: T0, createdById: null });
      expect(await store.datastores.nameInUse('orders', undefined)).toBe(true);
      expect(await store.datastores.nameInUse('orders', [publicId, ops.id])).toBe(true);
      expect(await store.datastores.nameInUse('orders', [publicId, eng.id])).toBe(false);
      expect(await store.datastores.nameInUse('orders', [])).toBe(false);
      expect(await store.datastores.nameInUse('orders', undefined, orders.id)).toBe(false);
      expect(await store.datastores.nameInUse('Orders', undefined)).toBe(false);
      // The same name in a team the first is not in: two datastores.
      await store.datastores.create({ name: 'orders', type: 'snowflake', host: null, port: null, database: null, schema: null, teamIds: [eng.id], connectionId: null, tags: [], enrichmentOnly: false, created: T0, createdById: null });
      expect((await store.datastores.list({ offset: 0, limit: 10, sort: { by: 'id', desc: false } })).total).toBe(2);
    });
    it('keeps tags, enrichment_only and the connection; filters by tag, enrichment_only and a case-insensitive part of the name', async () => {
      const eng = await store.teams.create({ name: 'Eng', description: null, userIds: [], created: T0 });
      const conn = await store.connections.create({ name: 'pg-main', type: 'postgresql', host: 'pg.internal', port: 5432, created: T0, createdById: null });
      const mk = (name: string, extra: { tags?: string[]; enrichmentOnly?: boolean; teamIds?: number[]; connectionId?: number | null } = {}) =>
        store.datastores.create({ name, type: 'postgresql', host: null, port: null, database: null, schema: null, teamIds: extra.teamIds ?? [publicId], connectionId: extra.connectionId ?? null, tags: extra.tags ?? [], enrichmentOnly: extra.enrichmentOnly ?? false, created: T0, createdById: null });
      const a = await mk('Sales_EU', { tags: ['prod', 'eu'], connectionId: conn.id });
      await mk('sales-us', { tags: ['prod'], enrichmentOnly: true, teamIds: [eng.id] });
      await mk('salesXeu', { tags: ['dev'] });
      expect(a).toMatchObject({ tags: ['eu', 'prod'], enrichmentOnly: false, connection: { id: conn.id, name: 'pg-main', type: 'postgresql' } });
      const sort = { by: 'name' as const, desc: false };
      const names = async (q: Partial<Parameters<typeof store.datastores.list>[0]>) => (await store.datastores.list({ offset: 0, limit: 10, sort, ...q })).items.map((d) => d.name);
      expect(await names({ tags: ['prod'] })).toEqual(['Sales_EU', 'sales-us']);
      expect(await names({ tags: ['prod', 'dev'] })).toEqual(['Sales_EU', 'sales-us', 'salesXeu']);
      expect(await names({ tags: ['prod'], visibleToTeamIds: [publicId] })).toEqual(['Sales_EU']);
      expect(await names({ enrichmentOnly: true })).toEqual(['sales-us']);
      expect(await names({ enrichmentOnly: false, tags: ['prod'] })).toEqual(['Sales_EU']);
      expect(await names({ name: 'SALES' })).toEqual(['Sales_EU', 'sales-us', 'salesXeu']);
      // `_` is no wildcard: it matches itself only.
      expect(await names({ name: 's_e' })).toEqual(['Sales_EU']);
      expect(await names({ name: '%' })).toEqual([]);
      expect(await names({ search: 's_e' })).toEqual(['Sales_EU']);
      const updated = await store.datastores.update(a.id, { tags: ['gold'], enrichmentOnly: true, connectionId: null });
      expect(updated).toMatchObject({ tags: ['gold'], enrichmentOnly: true, connection: null });
      expect(await names({ tags: ['eu'] })).toEqual([]);
    });
  });

  describe('datastore lists at size', () => {
    it('pages a viewer who sees thousands exactly as one who sees few (both forms of the team filter), in every order', async () => {
      const eng = await store.teams.create({ name: 'Eng', description: null, userIds: [], created: T0 });
      const ops = await store.teams.create({ name: 'Ops', description: null, userIds: [], created: T0 });
      const time = store.dialect === 'postgres' ? T0 : T0.toISOString();
      const rows = Array.from({ length: 2600 }, (_, i) => ({ name: `ds-${String((i * 7919) % 2600).padStart(4, '0')}`, type: ['postgresql', 'snowflake'][i % 2]!, host: null, port: null, database_name: null, schema_name: null, created: time, created_by_id: null }));
      const ids: number[] = [];
      for (let i = 0; i < rows.length; i += 500) ids.push(...(await store.db.insertInto('datastores').values(rows.slice(i, i + 500)).returning('id').execute()).map((r) => r.id));
      // Eng: 2,500 datastores (the many), Ops: the last 100 and 20 of Eng's (the few, one in two teams).
      const links = ids.flatMap((id, i) => [...(i < 2500 ? [{ datastore_id: id, team_id: eng.id }] : []), ...(i >= 2500 || i % 125 === 0 ? [{ datastore_id: id, team_id: ops.id }] : [])]);
      for (let i = 0; i < links.length; i += 500) await store.db.insertInto('datastore_teams').values(links.slice(i, i + 500)).execute();
      const byName = new Map(ids.map((id, i) => [id, rows[i]!.name]));
      for (const [teams, visible] of [[[eng.id], ids.slice(0, 2500)], [[ops.id], ids.filter((_, i) => i >= 2500 || i % 125 === 0)], [[eng.id, ops.id], ids]] as const) {
        for (const sort of [{ by: 'id', desc: false }, { by: 'id', desc: true }, { by: 'name', desc: false }, { by: 'name', desc: true }] as const) {
          const ordered = [...visible].sort((a, b) => (sort.by === 'id' ? a - b : byName.get(a)!.localeCompare(byName.get(b)!) || a - b) * (sort.desc ? -1 : 1));
          for (const offset of [0, 50, visible.length - 30]) {
            const page = await store.datastores.list({ offset, limit: 50, visibleToTeamIds: [...teams], sort });
            expect(page.total).toBe(visible.length);
            expect(page.items.map((d) => d.id)).toEqual(ordered.slice(offset, offset + 50));
          }
        }
      }
      expect((await store.datastores.list({ offset: 0, limit: 10, visibleToTeamIds: [eng.id], types: ['snowflake'], sort: { by: 'id', desc: false } })).total).toBe(1250);
      expect(await store.datastores.list({ offset: 5000, limit: 10, visibleToTeamIds: [eng.id], sort: { by: 'id', desc: false } })).toEqual({ items: [], total: 2500 });
    });
  });

  describe('connections', () => {
    const conn = (name: string, type = 'postgresql') => store.connections.create({ name, type, host: `${name}.internal`, port: 5432, created: T0, createdById: null });

    it('creates, finds, lists by a case-insensitive part of the name and by type, pages', async () => {
      const a = await conn('Warehouse PG');
      await conn('lake', 'databricks');
      await conn('warehouse-snow', 'snowflake');
      expect(await store.connections.findById(a.id)).toEqual({ id: a.id, name: 'Warehouse PG', type: 'postgresql', host: 'Warehouse PG.internal', port: 5432, created: T0, createdById: null });
      expect(await store.connections.findById(99999)).toBeUndefined();
      const list = await store.connections.list({ offset: 0, limit: 10, name: 'WAREHOUSE' });
      expect([list.total, list.items.map((c) => c.name)]).toEqual([2, ['Warehouse PG', 'warehouse-snow']]);
      expect((await store.connections.list({ offset: 0, limit: 10, types: ['databricks', 'snowflake'] })).items.map((c) => c.name)).toEqual(['lake', 'warehouse-snow']);
      expect(await store.connections.list({ offset: 1, limit: 1 })).toMatchObject({ total: 3, items: [{ name: 'lake' }] });
    });

    it('refuses a second connection of the same name (NAME_TAKEN), on create and rename', async () => {
      await conn('dup');
      const other = await conn('other');
      await expectCode(conn('dup'), 'NAME_TAKEN');
      await expectCode(store.connections.update(other.id, { name: 'dup' }), 'NAME_TAKEN');
    });

    it('copies a change of type, host or port to its datastores; a connection in use is not deleted', async () => {
      const c = await conn('moving');
      const ds = await store.datastores.create({ name: 'on-moving', type: 'postgresql', host: 'moving.internal', port: 5432, database: null, schema: null, teamIds: [publicId], connectionId: c.id, tags: [], enrichmentOnly: false, created: T0, createdById: null });
      expect(await store.connections.inUse(c.id)).toBe(true);
      await store.connections.update(c.id, { host: 'new.internal', port: 6543, type: 'redshift' });
      expect(await store.datastores.findById(ds.id)).toMatchObject({ type: 'redshift', host: 'new.internal', port: 6543, connection: { id: c.id, name: 'moving', type: 'redshift' } });
      expect((await store.datastores.list({ offset: 0, limit: 10, types: ['redshift'], sort: { by: 'id', desc: false } })).total).toBe(1);
      await expect(store.connections.delete(c.id)).rejects.toThrow();
      await store.datastores.delete(ds.id);
      expect(await store.connections.inUse(c.id)).toBe(false);
      await store.connections.delete(c.id);
      expect(await store.connections.findById(c.id)).toBeUndefined();
    });
  });

  describe('transactions', () => {
    it('commits every write of the function together, or none when it throws', async () => {
      const u = await user('tx@x.io');
      const id = await store.transaction(async (tx) => {
        const t = await tx.tokens.create(tokenInput(u, 'kept'));
        await tx.audit.append([{ at: T0, actorUserId: u.id, actorTokenId: null, action: 'token.created', targetType: 'token', targetId: String(t.id), ip: null, userAgent: null, outcome: 'success', details: null }]);
        return t.id;
      });
      expect((await store.tokens.findById(id))?.name).toBe('kept');
      const failure = await store.transaction(async (tx) => {
        await tx.tokens.create(tokenInput(u, 'undone'));
        await tx.users.update(u.id, { name: 'Renamed' });
        await tx.audit.append([{ at: T0, actorUserId: u.id, actorTokenId: null, action: 'never', targetType: null, targetId: null, ip: null, userAgent: null, outcome: 'success', details: null }]);
        throw new Error('boom');
      }).catch((e: unknown) => e);
      expect((failure as Error).message).toBe('boom');
      expect((await store.tokens.list({ scope: { ownerId: u.id }, limit: 100 })).items.map((t) => t.name)).toEqual(['kept']);
      expect((await store.users.findById(u.id))?.name).toBe('tx@x.io');
      expect((await store.audit.list({ limit: 10, action: 'never' })).total).toBe(0);
      // A domain error from a store inside the transaction comes out as itself.
      await expectCode(store.transaction((tx) => tx.tokens.create(tokenInput(u, 'kept'))), 'NAME_TAKEN');
    });

    it('reads its own writes; a read made outside meanwhile never sees them if it rolls back', async () => {
      const u = await user('iso@x.io');
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let inside = '';
      const tx = store.transaction(async (t) => {
        await t.users.update(u.id, { name: 'Inside' });
        inside = (await t.users.findById(u.id))!.name;
        await held;
        throw new Error('rolled back');
      }).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 20));
      // The authenticator's read (a prepared statement beside the query builder on SQLite).
      const outside = store.users.findById(u.id);
      await new Promise((resolve) => setTimeout(resolve, 20));
      release();
      await tx;
      expect(inside).toBe('Inside');
      expect((await outside)?.name).toBe('iso@x.io');
      expect((await store.users.findById(u.id))?.name).toBe('iso@x.io');
    });

    it('a guard decided under tx.lock has exactly one winner among concurrent transactions', async () => {
      const u = await user('lock@x.io');
      // Each transaction reads a counter, decides, then writes: without the lock, several read 0.
      const attempt = (i: number) =>
        store.transaction(async (tx) => {
          await tx.lock('contract-guard');
          const n = (await tx.tokens.list({ scope: { ownerId: u.id }, limit: 100 })).items.length;
          if (n > 0) throw new DomainError('NAME_TAKEN', 'already one');
          await new Promise((resolve) => setTimeout(resolve, 5));
          await tx.tokens.create(tokenInput(u, `winner-${i}`));
        });
      const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => attempt(i)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect((await store.tokens.list({ scope: { ownerId: u.id }, limit: 100 })).items).toHaveLength(1);
    });
  });

  describe('audit and sessions', () => {
    it('appends and filters audit events, newest first', async () => {
      const base = { actorTokenId: null, targetType: null, targetId: null, ip: '1.2.3.4', userAgent: 'ua', outcome: 'success' as const, details: { a: 1 } };
      await store.audit.append([
        { ...base, at: later(1), actorUserId: 1, action: 'token.created' },
        { ...base, at: later(2), actorUserId: 2, action: 'token.revoked' },
        { ...base, at: later(3), actorUserId: 1, action: 'token.revoked' },
      ]);
      const mine = await store.audit.list({ limit: 10, actorUserId: 1 });
      expect(mine.items.map((e) => e.action)).toEqual(['token.revoked', 'token.created']);
      expect(mine.items[0]?.details).toEqual({ a: 1 });
      expect((await store.audit.list({ limit: 10, action: 'token.revoked', since: later(3) })).total).toBe(1);
    });

    it('finds sessions until they expire, and deletes them per user', async () => {
      const u = await user('s@x.io');
      await store.sessions.create({ idHash: 'sess', userId: u.id, created: T0, expires: later(1000), ip: null, userAgent: null });
      expect((await store.sessions.find('sess', later(999)))?.user.id).toBe(u.id);
      expect(await store.sessions.find('sess', later(1000))).toBeUndefined();
      expect(await store.sessions.deleteAllOfUser(u.id)).toBe(1);
      expect(await store.sessions.find('sess', T0)).toBeUndefined();
    });

    it('lists a user\'s sessions, touches them, ends one, or all but one', async () => {
      const u = await user('many@x.io');
      const other = await user('other@x.io');
      const a = await store.sessions.create({ idHash: 'a', userId: u.id, created: T0, expires: later(10_000), ip: '10.0.0.1', userAgent: 'firefox' });
      const b = await store.sessions.create({ idHash: 'b', userId: u.id, created: later(1), expires: later(10_000), ip: '10.0.0.2', userAgent: 'curl' });
      const c = await store.sessions.create({ idHash: 'c', userId: u.id, created: later(2), expires: later(10_000), ip: null, userAgent: null });
      const theirs = await store.sessions.create({ idHash: 'd', userId: other.id, created: T0, expires: later(10_000), ip: null, userAgent: null });
      await store.sessions.touch(a, later(500), { ip: '10.0.0.9', userAgent: 'firefox 2' });
      const list = await store.sessions.listOfUser(u.id, later(600));
      expect(list.map((x) => x.id)).toEqual([c, b, a]);
      expect(list[2]).toMatchObject({ ip: '10.0.0.9', userAgent: 'firefox 2' });
      expect(list[2]?.lastSeen.toISOString()).toBe(later(500).toISOString());
      expect((await store.sessions.find('a', later(600)))?.lastSeen.toISOString()).toBe(later(500).toISOString());
      expect(await store.sessions.deleteOfUser(u.id, theirs)).toBe(false);
      expect(await store.sessions.deleteOfUser(u.id, b)).toBe(true);
      expect(await store.sessions.deleteAllOfUser(u.id, c)).toBe(1);
      expect((await store.sessions.listOfUser(u.id, later(600))).map((x) => x.id)).toEqual([c]);
      expect((await store.sessions.listOfUser(other.id, later(600))).map((x) => x.id)).toEqual([theirs]);
    });

    it('counts login attempts per account within a window and prunes older ones', async () => {
      await store.loginAttempts.add('acct', T0, later(-1));
      const second = await store.loginAttempts.add('acct', later(10), later(-1));
      await store.loginAttempts.add('other', later(10), later(-1));
      expect(await store.loginAttempts.countSince('acct', T0)).toEqual({ count: 2, oldest: T0 });
      expect((await store.loginAttempts.countSince('acct', later(5))).count).toBe(1);
      await store.loginAttempts.remove(second);
      expect((await store.loginAttempts.countSince('acct', T0)).count).toBe(1);
      // Adding prunes this account's attempts older than the window.
      await store.loginAttempts.add('acct', later(100), later(50));
      expect(await store.loginAttempts.countSince('acct', new Date(0))).toMatchObject({ count: 1 });
      expect((await store.loginAttempts.countSince('other', new Date(0))).count).toBe(1);
    });
  });
  describe('single sign-on and SCIM e-mails (migration 2026-12-06T10-00-sso)', () => {
    const ISSUER = 'https://idp.example.com';

    it('finds a user by its linked OpenID identity, exactly; one identity links one user', async () => {
      const a = await user('a@x.io');
      const b = await user('b@x.io');
      expect(await store.users.findByOidcIdentity({ issuer: ISSUER, subject: 'sub-a' })).toBeUndefined();
      await store.users.update(a.id, { oidc: { issuer: ISSUER, subject: 'sub-a' } });
      expect((await store.users.findByOidcIdentity({ issuer: ISSUER, subject: 'sub-a' }))?.id).toBe(a.id);
      expect((await store.users.findById(a.id))?.oidc).toEqual({ issuer: ISSUER, subject: 'sub-a' });
      // Subjects are case-sensitive and scoped to their issuer (OIDC Core §2).
      expect(await store.users.findByOidcIdentity({ issuer: ISSUER, subject: 'SUB-A' })).toBeUndefined();
      expect(await store.users.findByOidcIdentity({ issuer: 'https://other.example.com', subject: 'sub-a' })).toBeUndefined();
      await expectCode(store.users.update(b.id, { oidc: { issuer: ISSUER, subject: 'sub-a' } }), 'USER_EXISTS');
      // The same subject at another issuer is another person.
      await store.users.update(b.id, { oidc: { issuer: 'https://other.example.com', subject: 'sub-a' } });
      expect((await store.users.findById(b.id))?.oidc?.issuer).toBe('https://other.example.com');
    });

    it('finds humans by primary e-mail, case-insensitively, never service accounts', async () => {
      const a = await user('Person@X.io');
      await user('robot@service', { type: 'Service' });
      expect((await store.users.findHumansByEmail('PERSON@x.io', 2)).map((u) => u.id)).toEqual([a.id]);
      expect(await store.users.findHumansByEmail('robot@service', 2)).toEqual([]);
      expect(await store.users.findHumansByEmail('nobody@x.io', 2)).toEqual([]);
    });

    it('keeps every e-mail with type, display and primary, and name.formatted, as written', async () => {
      const emails = [
        { value: 'bj@example.com', type: 'work', display: 'Work mail', primary: false },
        { value: 'babs@home.example', type: 'home', display: null, primary: true },
      ];
      const u = await store.users.create({
        userId: 'bjensen', email: 'babs@home.example', name: 'Babs', type: 'Human', role: 'Member', teamIds: [publicId],
        passwordHash: null, createdById: null, created: T0, formattedName: 'Ms. Barbara J Jensen III', emails,
      });
      expect(u).toMatchObject({ formattedName: 'Ms. Barbara J Jensen III', emails, oidc: null });
      await store.users.update(u.id, { emails: null, formattedName: null });
      expect(await store.users.findById(u.id)).toMatchObject({ emails: null, formattedName: null });
      expect((await user('plain2@x.io')).emails).toBeNull();
    });
  });

  describe('SCIM attributes (migration 2026-11-29T01-00-scim)', () => {
    it('keeps externalId, name parts and lastModified of users; new rows have none', async () => {
      const plain = await user('plain@x.io');
      expect(plain).toMatchObject({ externalId: null, givenName: null, familyName: null, lastModified: null });
      const u = await store.users.create({
        userId: 'Ada@X.io', email: 'ada@x.io', name: 'Ada Lovelace', type: 'Human', role: 'Member', teamIds: [publicId],
        passwordHash: null, createdById: null, created: T0, externalId: 'e-1', givenName: 'Ada', familyName: 'Lovelace',
      });
      expect(u).toMatchObject({ externalId: 'e-1', givenName: 'Ada', familyName: 'Lovelace', lastModified: null });
      await store.users.update(u.id, { externalId: 'E-2', givenName: null, lastModified: later(5) });
      const changed = (await store.users.findById(u.id))!;
      expect(changed).toMatchObject({ externalId: 'E-2', givenName: null, familyName: 'Lovelace', name: 'Ada Lovelace' });
      expect(changed.lastModified?.toISOString()).toBe(later(5).toISOString());
      // Other updates leave the SCIM attributes alone.
      await store.users.update(u.id, { role: 'Editor' });
      expect(await store.users.findById(u.id)).toMatchObject({ externalId: 'E-2', familyName: 'Lovelace' });
    });

    it('deletes a user with its tokens, sessions and memberships, and keeps what it created', async () => {
      const eng = await store.teams.create({ name: 'Eng', description: null, userIds: [], created: T0 });
      const u = await user('gone@x.io', { teamIds: [publicId, eng.id] });
      const robot = await store.users.create({
        userId: 'bot@service', email: null, name: 'bot', type: 'Service', role: 'Member', teamIds: [publicId],
        passwordHash: null, createdById: u.id, created: T0,
      });
      const tok = await store.tokens.create(tokenInput(u, 'mine', { type: 'Personal' }));
      await store.sessions.create({ idHash: 'gone-sess', userId: u.id, created: T0, expires: later(1000), ip: null, userAgent: null });
      await store.users.delete(u.id);
      expect(await store.users.findById(u.id)).toBeUndefined();
      expect(await store.tokens.findById(tok.id)).toBeUndefined();
      expect(await store.sessions.find('gone-sess', T0)).toBeUndefined();
      expect((await store.teams.findById(eng.id))?.users).toEqual([]);
      expect((await store.users.findById(robot.id))?.createdById).toBeNull();
      await expectCode(store.users.delete(u.id), 'NOT_FOUND');
    });

    it('keeps externalId and lastModified of teams', async () => {
      const t = await store.teams.create({ name: 'Ops', description: null, userIds: [], created: T0, externalId: 'g-1' });
      expect(t).toMatchObject({ externalId: 'g-1', lastModified: null });
      const u = await store.teams.update(t.id, { name: 'Ops 2', externalId: 'g-2', lastModified: later(7) });
      expect(u).toMatchObject({ name: 'Ops 2', externalId: 'g-2' });
      expect(u.lastModified?.toISOString()).toBe(later(7).toISOString());
      expect((await store.teams.findByNames(['Ops 2']))[0]).toMatchObject({ externalId: 'g-2' });
    });

    it('changes members without touching the others; duplicates and non-members are no-ops', async () => {
      const [a, b, c] = [await user('a@t.io'), await user('b@t.io'), await user('c@t.io')];
      const t = await store.teams.create({ name: 'Mixed', description: null, userIds: [a.id], created: T0 });
      let team = await store.teams.changeMembers(t.id, { add: [b.id, a.id, b.id], remove: [c.id], lastModified: later(1) });
      expect(team.users.map((x) => x.id)).toEqual([a.id, b.id]);
      expect(team.lastModified?.toISOString()).toBe(later(1).toISOString());
      team = await store.teams.changeMembers(t.id, { add: [], remove: [a.id] });
      expect(team.users.map((x) => x.id)).toEqual([b.id]);
      await expectCode(store.teams.changeMembers(99_999, { add: [a.id], remove: [] }), 'NOT_FOUND');
    });

    it('two concurrent member changes of one team both take effect', async () => {
      const [a, b] = [await user('p@t.io'), await user('q@t.io')];
      const t = await store.teams.create({ name: 'Race', description: null, userIds: [], created: T0 });
      await Promise.all([store.teams.changeMembers(t.id, { add: [a.id], remove: [] }), store.teams.changeMembers(t.id, { add: [b.id], remove: [] })]);
      expect((await store.teams.findById(t.id))?.users.map((x) => x.id)).toEqual([a.id, b.id]);
    });
  });
});
