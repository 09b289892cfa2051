import {
  commitChange, createDatastore, createKeyring, deactivateUser, ManualClock, revokeToken, type Actor, type AuthChange, type Deps, type Store, type User,
} from '@gatehouse/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OpenedStore } from './open-store.js';
import { DIALECTS, freshStore } from './test-support/test-databases.js';

/*
 * commitChange over the real stores (SPEC §7): a change and its audit event commit together or
 * not at all, and every node is told only after the commit.
 */

const T0 = new Date('2026-06-01T10:00:00.000Z');

describe.each(DIALECTS)('one change, one atomic write, on $kind', ({ kind, available }) => {
  let store: OpenedStore;
  let cleanup: () => Promise<void>;
  let admin: User;
  let member: User;
  let tokenId: number;

  beforeEach(async (ctx) => {
    if (!available) return ctx.skip();
    ({ store, cleanup } = await freshStore(kind));
    const pub = await store.teams.ensurePublic(T0);
    const mk = (userId: string, role: 'Admin' | 'Member') =>
      store.users.create({ userId, email: userId, name: userId, type: 'Human', role, teamIds: [pub.id], passwordHash: null, createdById: null, created: T0 });
    admin = await mk('admin@x.io', 'Admin');
    member = await mk('member@x.io', 'Member');
    const token = await store.tokens.create({
      owner: { id: member.id, userId: member.userId, name: member.name, type: 'Human' }, name: 'laptop', type: 'Personal', scimEndpointsOnly: false,
      expiration: null, created: T0, createdById: member.id, tokenHash: 'h-laptop', jti: 'j', kid: 'k1',
    });
    tokenId = token.id;
    await store.sessions.create({ idHash: 's-member', userId: member.id, created: T0, expires: new Date(T0.getTime() + 3_600_000), ip: null, userAgent: null });
  });
  afterEach(async () => {
    if (available) await cleanup();
  });

  function depsOver(s: Store, published: AuthChange[] = [], onPublish?: (c: AuthChange) => Promise<void>): Deps {
    return {
      store: s,
      clock: new ManualClock(T0),
      keyring: createKeyring([{ kid: 'k1', secret: 's'.repeat(40) }]),
      passwords: { hash: async (p) => p, verify: async () => false },
      changes: { publish: async (c) => { await onPublish?.(c); published.push(c); }, subscribe: () => () => {} },
      policy: { maxLifetimeDays: null },
      limits: { loginFailuresPerAccount: null },
    };
  }

  /** The same store, but its audit log cannot be written inside a transaction. */
  const auditDown = (s: OpenedStore): Store => ({
    ...s,
    transaction: (fn) => s.transaction((tx) => fn({ ...tx, audit: { ...tx.audit, append: async () => { throw new Error('audit log unavailable'); } } })),
  });

  const actor = (): Actor => ({ principal: { user: admin, token: null }, ip: null, userAgent: null });

  it('when the audit event cannot be written, the change does not happen and no node is told', async () => {
    const published: AuthChange[] = [];
    const deps = depsOver(auditDown(store), published);
    await expect(revokeToken(deps, actor(), tokenId)).rejects.toThrow('audit log unavailable');
    await expect(deactivateUser(deps, actor(), member.id)).rejects.toThrow('audit log unavailable');
    await expect(createDatastore(deps, actor(), { name: 'orders', type: 'postgresql' })).rejects.toThrow('audit log unavailable');
    expect(published).toEqual([]);
    expect((await store.tokens.findById(tokenId))?.revokedAt).toBeNull();
    expect((await store.users.findById(member.id))?.active).toBe(true);
    expect(await store.sessions.find('s-member', T0)).toBeDefined();
    expect(await store.datastores.nameInUse('orders', undefined)).toBe(false);
    expect((await store.audit.list({ limit: 10 })).total).toBe(0);
  });

  it('publishes after the commit: a node told of the change reads it from the database', async () => {
    const seen: Array<string | null> = [];
    const deps = depsOver(store, [], async () => {
      seen.push((await store.tokens.findById(tokenId))?.revokeReason ?? null);
    });
    await revokeToken(deps, actor(), tokenId);
    expect(seen).toEqual(['admin']);
    const events = (await store.audit.list({ limit: 10 })).items;
    expect(events).toEqual([expect.objectContaining({ action: 'token.revoked', actorUserId: admin.id, targetId: String(tokenId) })]);
  });

  it('a change that throws after writing leaves nothing behind', async () => {
    const deps = depsOver(store);
    await expect(commitChange(deps, actor(), async ({ tx, audit }) => {
      await tx.users.update(member.id, { name: 'Changed' });
      audit({ action: 'user.updated', targetType: 'user', targetId: String(member.id) });
      throw new Error('decided against it');
    })).rejects.toThrow('decided against it');
    expect((await store.users.findById(member.id))?.name).toBe('member@x.io');
    expect((await store.audit.list({ limit: 10 })).total).toBe(0);
  });
});
