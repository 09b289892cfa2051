import { vi } from 'vitest';
import type { AuthChange } from '../auth/auth-changes.js';
import type { Actor } from '../auth/principal.js';
import { ManualClock } from '../clock.js';
import type { Deps } from '../deps.js';
import type { NewAuditEvent, Token, User } from '../model.js';
import type { OutboxEntry } from '../lifecycle/model.js';
import type { Store, StoreTransaction } from '../ports.js';
import { createKeyring } from '../tokens/keyring.js';

/*
 * Deps for unit tests of the use cases: users and tokens in maps, every write recorded, and a
 * transaction that runs its function and keeps its audit events only when it returns (as a
 * store's would). Only what the use cases under test touch is implemented.
 */

export const keyring = createKeyring([{ kid: 'k1', secret: 's'.repeat(40) }]);

export function human(id: number, extra: Partial<User> = {}): User {
  return {
    id, userId: `u${id}@x.io`, email: `u${id}@x.io`, name: `User ${id}`, type: 'Human', role: 'Member', active: true, teams: [{ id: 1, name: 'Public' }],
    created: new Date('2026-01-01T00:00:00Z'), createdById: null, lastLogin: null, provisionedBy: 'local', deactivatedBy: null, ...extra,
  };
}

export function serviceAccount(id: number, extra: Partial<User> = {}): User {
  return human(id, { userId: `robot_${id}@service`, email: null, name: `Robot ${id}`, type: 'Service', ...extra });
}

export const actorOf = (user: User, session?: number): Actor => ({
  principal: { user, token: null, ...(session !== undefined ? { session: { id: session } } : {}) },
  ip: '10.0.0.1',
  userAgent: 'test',
});

export function fakeDeps(opts: { users?: User[]; tokens?: Token[]; maxLifetimeDays?: number | null } = {}) {
  const clock = new ManualClock('2026-06-01T10:00:00Z');
  const users = new Map((opts.users ?? []).map((u) => [u.id, { ...u }]));
  const tokens = new Map((opts.tokens ?? []).map((t) => [t.id, { ...t }]));
  const audit: NewAuditEvent[] = [];
  /** Webhook events written to the outbox (SPEC §9). */
  const outbox: OutboxEntry[] = [];
  const published: AuthChange[] = [];
  const writes: string[] = [];
  let nextTokenId = 100;

  const tx = {
    lock: vi.fn(async (_key: string) => {}),
    users: {
      findById: async (id: number) => users.get(id),
      findByUserId: async (userId: string) => [...users.values()].find((u) => u.userId === userId.toLowerCase()),
      countActiveAdmins: async () => [...users.values()].filter((u) => u.active && u.role === 'Admin').length,
      update: vi.fn(async (id: number, patch: Record<string, unknown>) => {
        writes.push(`users.update ${id} ${Object.keys(patch).sort().join(',')}`);
        const { passwordHash: _hash, teamIds: _teams, ...rest } = patch;
        Object.assign(users.get(id)!, rest);
      }),
    },
    teams: { findByNames: async (names: readonly string[]) => names.map((name, i) => ({ id: i + 1, name, description: null, created: clock.now(), users: [] })) },
    tokens: {
      findById: async (id: number) => tokens.get(id),
      // One page holds every token of an owner: enough for the use cases that read them all.
      list: async (q: { scope: { ownerId?: number } }) => {
        const items = [...tokens.values()].filter((t) => t.user.id === q.scope.ownerId).map((t) => ({ ...t }));
        return { items, total: items.length, totalExact: true, next: null, prev: null };
      },
      create: vi.fn(async (t: { owner: Token['user']; name: string; type: Token['type']; scimEndpointsOnly: boolean; expiration: Date | null; created: Date; createdById: number | null }, recordOf?: (id: number) => { audit: NewAuditEvent; events?: readonly OutboxEntry[] }) => {
        const token: Token = {
          id: nextTokenId++, name: t.name, type: t.type, scimEndpointsOnly: t.scimEndpointsOnly, expiration: t.expiration, created: t.created, createdById: t.createdById,
          lastUsed: null, lastUsedIp: null, revokedAt: null, revokedById: null, revokeReason: null, user: t.owner,
        };
        tokens.set(token.id, token);
        if (recordOf) {
          const record = recordOf(token.id);
          audit.push(record.audit);
          outbox.push(...(record.events ?? []));
        }
        return token;
      }),
      update: vi.fn(async (id: number, patch: { name?: string; revocation?: { at: Date; byId: number | null; reason: Token['revokeReason'] } | null }) => {
        writes.push(`tokens.update ${id}`);
        const t = tokens.get(id)!;
        if (patch.name !== undefined) t.name = patch.name;
        if (patch.revocation !== undefined) {
          t.revokedAt = patch.revocation?.at ?? null;
          t.revokedById = patch.revocation?.byId ?? null;
          t.revokeReason = patch.revocation?.reason ?? null;
        }
        return { ...t };
      }),
      replaceSecret: vi.fn(async (id: number, s: { expiration: Date | null }) => {
        writes.push(`tokens.replaceSecret ${id}`);
        const t = tokens.get(id)!;
        t.expiration = s.expiration;
        return { ...t };
      }),
    },
    sessions: { deleteAllOfUser: vi.fn(async (_userId: number, _exceptId?: number) => 2) },
    audit: { append: vi.fn(async (events: readonly NewAuditEvent[]) => void audit.push(...events)) },
    policy: { get: async () => undefined },
    webhooks: { enqueue: vi.fn(async (entries: readonly OutboxEntry[]) => void outbox.push(...entries)) },
  };

  const store = {
    ...tx,
    transaction: async <T>(fn: (t: StoreTransaction) => Promise<T>): Promise<T> => {
      const before = audit.length;
      const outboxBefore = outbox.length;
      try {
        return await fn(tx as unknown as StoreTransaction);
      } catch (e) {
        audit.length = before;
        outbox.length = outboxBefore;
        throw e;
      }
    },
  };

  const deps: Deps = {
    store: store as unknown as Store,
    clock,
    keyring,
    passwords: { hash: async (p: string) => `hashed:${p}`, verify: async (h: string, p: string) => h === `hashed:${p}` },
    changes: { publish: async (c: AuthChange) => void published.push(c), subscribe: () => () => {} },
    policy: { maxLifetimeDays: opts.maxLifetimeDays ?? null },
    limits: { loginFailuresPerAccount: null },
  };
  return { deps, clock, users, tokens, audit, outbox, published, writes, tx };
}
