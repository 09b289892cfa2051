import { DEFAULT_POLICY, DomainError, outboxEntry, type LifecyclePolicy, type UserRef } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { DIALECTS, freshStoreEachTest } from './test-support/test-databases.js';

/*
 * The storage contract of the lifecycle ports (SPEC §9): policy, webhook endpoints and the
 * outbox of deliveries, on every database.
 */

const T0 = new Date('2026-06-01T10:00:00.000Z');
const later = (ms: number) => new Date(T0.getTime() + ms);
const event = (type: 'token.revoked' | 'token.created' | 'webhook.test', n = 1) => outboxEntry({ type, data: { n } }, T0);

describe.each(DIALECTS)('lifecycle store contract on $kind', (dialect) => {
  const db = freshStoreEachTest(dialect);

  const endpoint = (url: string, events: string[]) =>
    db.store.webhooks.create({ url, events, description: null, secret: 'whsec_c2VjcmV0', created: T0, createdById: null });

  describe('policy', () => {
    it('is absent until set, then read back whole; a second put replaces it', async () => {
      expect(await db.store.policy.get()).toBeUndefined();
      const p: LifecyclePolicy = { maxExpiryDays: { Personal: 90, Service: 365 }, idleRevokeDays: { Personal: 60, Service: null }, expiryReminderDays: [14, 1] };
      await db.store.policy.put(p, T0);
      expect(await db.store.policy.get()).toEqual(p);
      await db.store.policy.put(DEFAULT_POLICY, later(1000));
      expect(await db.store.policy.get()).toEqual(DEFAULT_POLICY);
    });

    it('a put inside a failed transaction leaves the policy as it was', async () => {
      await db.store.transaction(async (tx) => tx.policy.put(DEFAULT_POLICY, T0));
      const p = { ...DEFAULT_POLICY, maxExpiryDays: { Personal: 1, Service: 1 } };
      await expect(db.store.transaction(async (tx) => {
        await tx.policy.put(p, T0);
        throw new Error('boom');
      })).rejects.toThrow('boom');
      expect(await db.store.policy.get()).toEqual(DEFAULT_POLICY);
    });
  });

  describe('webhook endpoints', () => {
    it('creates, lists, updates and deletes (with its deliveries)', async () => {
      const a = await endpoint('https://a.example/hook', ['token.revoked']);
      expect(a).toMatchObject({ url: 'https://a.example/hook', events: ['token.revoked'], active: true, description: null });
      expect(a.created.toISOString()).toBe(T0.toISOString());
      const b = await db.store.webhooks.update(a.id, { events: ['*'], active: false, description: 'all' });
      expect(b).toMatchObject({ events: ['*'], active: false, description: 'all' });
      expect((await db.store.webhooks.list()).map((e) => e.id)).toEqual([a.id]);
      await db.store.webhooks.enqueueTo(a.id, event('webhook.test'), T0);
      await db.store.webhooks.delete(a.id);
      expect(await db.store.webhooks.findById(a.id)).toBeUndefined();
      await expect(db.store.webhooks.delete(a.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(db.store.webhooks.update(a.id, { active: true })).rejects.toBeInstanceOf(DomainError);
    });
  });

  describe('outbox', () => {
    it('fans an event out to each active endpoint subscribed to it, and to none other', async () => {
      const revoked = await endpoint('https://r.example/', ['token.revoked']);
      const all = await endpoint('https://all.example/', ['*']);
      const created = await endpoint('https://c.example/', ['token.created']);
      const off = await endpoint('https://off.example/', ['*']);
      await db.store.webhooks.update(off.id, { active: false });
      const e = event('token.revoked');
      await db.store.transaction((tx) => tx.webhooks.enqueue([e], T0));
      for (const [ep, n] of [[revoked, 1], [all, 1], [created, 0], [off, 0]] as const) {
        const page = await db.store.webhooks.listDeliveries(ep.id, { offset: 0, limit: 10 });
        expect(page.total, ep.url).toBe(n);
      }
      const [d] = (await db.store.webhooks.listDeliveries(all.id, { offset: 0, limit: 10 })).items;
      expect(d).toMatchObject({ messageId: e.messageId, eventType: 'token.revoked', payload: e.payload, status: 'pending', attempts: 0, lastStatusCode: null });
      expect(JSON.parse(d!.payload)).toEqual({ type: 'token.revoked', timestamp: T0.toISOString(), data: { n: 1 } });
    });

    it('an enqueue in a transaction that fails leaves no delivery (the change and its events commit together)', async () => {
      const ep = await endpoint('https://r.example/', ['*']);
      await expect(db.store.transaction(async (tx) => {
        await tx.webhooks.enqueue([event('token.revoked')], T0);
        throw new Error('boom');
      })).rejects.toThrow('boom');
      expect((await db.store.webhooks.listDeliveries(ep.id, { offset: 0, limit: 10 })).total).toBe(0);
    });

    it('a token created with its events writes their deliveries in its own transaction', async () => {
      const ep = await endpoint('https://c.example/', ['token.created']);
      const owner = await db.store.users.create({
        userId: 'o@x.io', email: 'o@x.io', name: 'o', type: 'Human', role: 'Member', teamIds: [], passwordHash: null, createdById: null, created: T0,
      });
      const ref: UserRef = { id: owner.id, userId: owner.userId, name: owner.name, type: 'Human' };
      const audit = (id: number) => ({
        at: T0, actorUserId: null, actorTokenId: null, action: 'token.created', targetType: 'token', targetId: String(id), ip: null, userAgent: null, outcome: 'success' as const, details: null,
      });
      const input = { owner: ref, name: 'ci', type: 'Personal' as const, scimEndpointsOnly: false, expiration: null, created: T0, createdById: null, tokenHash: 'h1', jti: 'j', kid: 'k' };
      await db.store.tokens.create(input, (id) => ({ audit: audit(id), events: [event('token.created')] }));
      // A refused creation (the name is taken) writes no delivery.
      await expect(db.store.tokens.create({ ...input, tokenHash: 'h2' }, (id) => ({ audit: audit(id), events: [event('token.created', 2)] }))).rejects.toMatchObject({ code: 'NAME_TAKEN' });
      const page = await db.store.webhooks.listDeliveries(ep.id, { offset: 0, limit: 10 });
      expect(page.items.map((d) => JSON.parse(d.payload).data)).toEqual([{ n: 1 }]);
    });

    it('claims due deliveries once: a second claim before the lease ends gets none; a lost claim cannot record', async () => {
      const ep = await endpoint('https://r.example/', ['*']);
      await db.store.webhooks.enqueue([event('token.revoked', 1), event('token.revoked', 2)], T0);
      await db.store.webhooks.enqueueTo(ep.id, event('webhook.test'), later(60_000)); // not due yet
      const first = await db.store.webhooks.claimDue(later(1), later(30_000), 10);
      expect(first.map((d) => JSON.parse(d.payload).data.n)).toEqual([1, 2]);
      expect(first[0]).toMatchObject({ url: 'https://r.example/', secret: 'whsec_c2VjcmV0' });
      expect(await db.store.webhooks.claimDue(later(2), later(30_000), 10)).toEqual([]);
      // Delivered: recorded, and never claimed again.
      expect(await db.store.webhooks.recordAttempt(first[0]!, { status: 'delivered', statusCode: 204, error: null, nextAttemptAt: later(3) })).toBe(true);
      // Failed attempt: due again at its retry time.
      expect(await db.store.webhooks.recordAttempt(first[1]!, { status: 'pending', statusCode: 500, error: 'HTTP 500', nextAttemptAt: later(5_000) })).toBe(true);
      expect(await db.store.webhooks.claimDue(later(4_999), later(40_000), 10)).toEqual([]);
      const retry = await db.store.webhooks.claimDue(later(5_000), later(40_000), 10);
      expect(retry.map((d) => [JSON.parse(d.payload).data.n, d.attempts, d.lastStatusCode])).toEqual([[2, 1, 500]]);
      // The lease ended and another run took the row over: the first run's outcome is not written.
      const takenOver = await db.store.webhooks.claimDue(later(40_001), later(90_000), 10);
      expect(takenOver.map((d) => d.id)).toEqual([retry[0]!.id]);
      expect(await db.store.webhooks.recordAttempt(retry[0]!, { status: 'delivered', statusCode: 200, error: null, nextAttemptAt: later(40_002) })).toBe(false);
      expect(await db.store.webhooks.recordAttempt(takenOver[0]!, { status: 'failed', statusCode: 410, error: 'HTTP 410', nextAttemptAt: later(40_002) })).toBe(true);
      const all = (await db.store.webhooks.listDeliveries(ep.id, { offset: 0, limit: 10 })).items;
      expect(all.map((d) => [d.eventType, d.status, d.attempts])).toEqual([['webhook.test', 'pending', 0], ['token.revoked', 'failed', 2], ['token.revoked', 'delivered', 1]]);
    });

    it("records a round's outcomes together, each only while its own claim holds", async () => {
      const ep = await endpoint('https://batch.example/', ['*']);
      await db.store.webhooks.enqueue([event('token.created', 1), event('token.created', 2), event('token.created', 3)], T0);
      const claimed = (await db.store.webhooks.claimDue(later(1), later(30_000), 10)).filter((d) => d.endpointId === ep.id);
      expect(claimed).toHaveLength(3);
      // The third's claim was lost (its lease ended and another run took it over).
      const stolen = { ...claimed[2]!, claimedUntil: later(29_999) };
      const ok = { status: 'delivered' as const, statusCode: 204, error: null, nextAttemptAt: later(2) };
      const recorded = await db.store.webhooks.recordAttempts([
        { delivery: claimed[0]!, outcome: ok },
        { delivery: claimed[1]!, outcome: { status: 'pending', statusCode: 503, error: 'HTTP 503', nextAttemptAt: later(5_000) } },
        { delivery: stolen, outcome: ok },
      ]);
      expect(recorded).toEqual([true, true, false]);
      const byN = new Map((await db.store.webhooks.listDeliveries(ep.id, { offset: 0, limit: 10 })).items.map((d) => [JSON.parse(d.payload).data.n, [d.status, d.attempts, d.lastStatusCode]]));
      expect([byN.get(1), byN.get(2), byN.get(3)]).toEqual([['delivered', 1, 204], ['pending', 1, 503], ['pending', 0, null]]);
      expect(await db.store.webhooks.recordAttempts([])).toEqual([]);
    });

    it('concurrent claimers take disjoint deliveries', async () => {
      await endpoint('https://r.example/', ['*']);
      await db.store.webhooks.enqueue(Array.from({ length: 40 }, (_, i) => event('token.revoked', i)), T0);
      const claims = await Promise.all(Array.from({ length: 4 }, () => db.store.webhooks.claimDue(later(1), later(30_000), 15)));
      const ids = claims.flat().map((d) => d.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(40);
    });
  });
});

describe.each(DIALECTS)('expiry scans on $kind', (dialect) => {
  const db = freshStoreEachTest(dialect);
  const DAY = 86_400_000;

  it('leave out tokens with a notice of the kind sent since the given time, so that a round never reads them again', async () => {
    const owner = await db.store.users.create({
      userId: 'o@x.io', email: 'o@x.io', name: 'o', type: 'Human', role: 'Member', teamIds: [], passwordHash: null, createdById: null, created: T0,
    });
    const ref: UserRef = { id: owner.id, userId: owner.userId, name: owner.name, type: 'Human' };
    const token = (name: string, days: number) =>
      db.store.tokens.create({ owner: ref, name, type: 'Personal', scimEndpointsOnly: false, expiration: later(days * DAY), created: T0, createdById: null, tokenHash: `h-${name}`, jti: name, kid: 'k' });
    const reminded = await token('reminded', 5);
    const remindedLongAgo = await token('reminded-long-ago', 6);
    const otherKind = await token('other-kind', 4);
    const fresh = await token('fresh', 3);
    await token('later', 20);
    await db.store.lifecycle.claimNotice(reminded.id, `expiring:7:${later(5 * DAY).toISOString()}`, later(-DAY));
    // Sent 8 days ago, for an expiration since replaced: not a reminder of this one.
    await db.store.lifecycle.claimNotice(remindedLongAgo.id, 'expiring:7:2026-05-25T10:00:00.000Z', later(-8 * DAY));
    await db.store.lifecycle.claimNotice(otherKind.id, `expiring:30:${later(4 * DAY).toISOString()}`, later(-DAY));
    const scan = (withoutNotice?: { kind: string; since?: Date }) => db.store.lifecycle.tokensExpiringBetween(later(DAY), later(7 * DAY), 100, withoutNotice);
    expect(await scan()).toEqual([fresh.id, otherKind.id, reminded.id, remindedLongAgo.id]);
    expect(await scan({ kind: 'expiring:7:', since: later(-7 * DAY) })).toEqual([fresh.id, otherKind.id, remindedLongAgo.id]);
    expect(await scan({ kind: 'expiring:7:' })).toEqual([fresh.id, otherKind.id]);
  });
});

describe.each(DIALECTS)('rotation with overlap: the previous secret on $kind', (dialect) => {
  const db = freshStoreEachTest(dialect);

  it('authenticates until its grace ends (never past the token\'s expiration); the next rotation or none drops it', async () => {
    const owner = await db.store.users.create({
      userId: 'o@x.io', email: 'o@x.io', name: 'o', type: 'Human', role: 'Member', teamIds: [], passwordHash: null, createdById: null, created: T0,
    });
    const ref: UserRef = { id: owner.id, userId: owner.userId, name: owner.name, type: 'Human' };
    const t = await db.store.tokens.create({ owner: ref, name: 'ci', type: 'Personal', scimEndpointsOnly: false, expiration: later(10 * 3_600_000), created: T0, createdById: null, tokenHash: 'h0', jti: 'j', kid: 'k' });
    const rotated = await db.store.tokens.replaceSecret(t.id, { tokenHash: 'h1', jti: 'j1', kid: 'k', expiration: later(20 * 3_600_000), previousUntil: later(3_600_000) });
    expect(rotated.previousSecretExpiresAt).toEqual(later(3_600_000));
    expect(await db.store.tokens.findAuthRecordByHash('h0')).toMatchObject({ tokenId: t.id, expiration: later(3_600_000) });
    expect(await db.store.tokens.findAuthRecordByHash('h1')).toMatchObject({ tokenId: t.id, expiration: later(20 * 3_600_000) });
    // A grace longer than the old expiration: the old secret ends with the token's expiration.
    await db.store.tokens.replaceSecret(t.id, { tokenHash: 'h2', jti: 'j2', kid: 'k', expiration: later(5 * 3_600_000), previousUntil: later(30 * 3_600_000) });
    expect(await db.store.tokens.findAuthRecordByHash('h0')).toBeUndefined();
    expect(await db.store.tokens.findAuthRecordByHash('h1')).toMatchObject({ tokenId: t.id, expiration: later(5 * 3_600_000) });
    await db.store.tokens.replaceSecret(t.id, { tokenHash: 'h3', jti: 'j3', kid: 'k', expiration: null });
    expect(await db.store.tokens.findAuthRecordByHash('h2')).toBeUndefined();
    expect((await db.store.tokens.findById(t.id))?.previousSecretExpiresAt).toBeNull();
  });
});
