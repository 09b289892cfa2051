import { UsageBuffer, type NewToken, type UserRef } from '@gatehouse/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OpenedStore } from './open-store.js';
import { DIALECTS, freshStore } from './test-support/test-databases.js';

// Usage counting (SPEC §10), written behind with last_used: the storage side, on every database.

const T0 = new Date('2026-06-01T23:59:58.000Z');
const at = (ms: number) => T0.getTime() + ms;

function tokenInput(owner: UserRef, name: string): NewToken {
  return {
    owner, name, type: 'Service', scimEndpointsOnly: false, expiration: null, created: T0, createdById: null,
    tokenHash: `hash-${owner.id}-${name}-${Math.random()}`, jti: 'jti', kid: 'k1',
  };
}

describe.each(DIALECTS)('usage counting on $kind', ({ kind, available }) => {
  let store: OpenedStore;
  let cleanup: () => Promise<void>;
  let owner: UserRef;

  beforeEach(async (ctx) => {
    if (!available) return ctx.skip();
    ({ store, cleanup } = await freshStore(kind));
    const pub = await store.teams.ensurePublic(T0);
    const u = await store.users.create({
      userId: 'bot@service', email: null, name: 'Bot', type: 'Service', role: 'Member', teamIds: [pub.id], passwordHash: null, createdById: null, created: T0,
    });
    owner = { id: u.id, userId: u.userId, name: u.name, type: u.type };
  });
  afterEach(async () => {
    if (available) await cleanup();
  });

  const newIpEvents = async () => (await store.audit.list({ action: 'token.new_ip', offset: 0, limit: 100 })).items;

  it('adds each flush to the daily counts and the clients, across midnight, and reports a new client once', async () => {
    const t = await store.tokens.create(tokenInput(owner, 'ci'));
    const buffer = new UsageBuffer();
    for (let i = 0; i < 5; i++) buffer.record(t.id, at(i * 100), '10.0.0.5', 'python-requests/2.32');
    buffer.record(t.id, at(600), '10.0.0.9', 'qualytics-cli/1.0.4');
    await store.tokens.recordUsage(buffer.drain());
    // Next flush: past midnight (UTC), the same first client and one more request of the second.
    for (let i = 0; i < 3; i++) buffer.record(t.id, at(3000 + i), '10.0.0.5', 'python-requests/2.32');
    buffer.record(t.id, at(3100), '10.0.0.9', 'qualytics-cli/1.0.4');
    buffer.record(t.id, at(3200), null, null);
    await store.tokens.recordUsage(buffer.drain());

    const usage = await store.tokens.usageOf(t.id, '2026-05-01', 10);
    expect(usage.daily).toEqual([
      { date: '2026-06-01', requests: 6 },
      { date: '2026-06-02', requests: 5 },
    ]);
    expect(usage.clients.map((c) => [c.ip, c.userAgent, c.requests, c.firstSeen.toISOString(), c.lastSeen.toISOString()])).toEqual([
      [null, null, 1, new Date(at(3200)).toISOString(), new Date(at(3200)).toISOString()],
      ['10.0.0.9', 'qualytics-cli/1.0.4', 2, new Date(at(600)).toISOString(), new Date(at(3100)).toISOString()],
      ['10.0.0.5', 'python-requests/2.32', 8, new Date(at(0)).toISOString(), new Date(at(3002)).toISOString()],
    ]);
    // From a later day on only; at most `clientLimit` clients, the most recent.
    expect((await store.tokens.usageOf(t.id, '2026-06-02', 1))).toMatchObject({ daily: [{ date: '2026-06-02', requests: 5 }], clients: [{ ip: null }] });

    const events = await newIpEvents();
    expect(events.map((e) => [e.ip, e.userAgent, e.actorUserId, e.actorTokenId, e.targetId]).sort()).toEqual(
      [
        ['10.0.0.5', 'python-requests/2.32', owner.id, t.id, String(t.id)],
        ['10.0.0.9', 'qualytics-cli/1.0.4', owner.id, t.id, String(t.id)],
        [null, null, owner.id, t.id, String(t.id)],
      ].sort(),
    );
    expect(events[0]?.details).toEqual({ name: 'ci' });
  });

  it('a new client also writes a token.new_ip delivery for each subscribed endpoint, once', async () => {
    const hook = (events: string[], url: string) => store.webhooks.create({ url, events, description: null, secret: 'whsec_c2VjcmV0', created: T0, createdById: null });
    const subscribed = await hook(['token.new_ip'], 'https://a.example/');
    const all = await hook(['*'], 'https://b.example/');
    const other = await hook(['token.revoked'], 'https://c.example/');
    const t = await store.tokens.create(tokenInput(owner, 'deploy'));
    const buffer = new UsageBuffer();
    buffer.record(t.id, at(0), '203.0.113.7', 'curl/8');
    await store.tokens.recordUsage(buffer.drain());
    buffer.record(t.id, at(1000), '203.0.113.7', 'curl/8'); // the same client again: nothing new
    await store.tokens.recordUsage(buffer.drain());
    const deliveries = async (id: number) => (await store.webhooks.listDeliveries(id, { offset: 0, limit: 10 })).items;
    expect(await deliveries(other.id)).toEqual([]);
    for (const endpoint of [subscribed, all]) {
      const [d, ...more] = await deliveries(endpoint.id);
      expect(more).toEqual([]);
      expect(d).toMatchObject({ eventType: 'token.new_ip', status: 'pending', attempts: 0, messageId: expect.stringMatching(/^msg_[0-9a-f]{32}$/) });
      expect(JSON.parse(d!.payload)).toEqual({
        type: 'token.new_ip',
        timestamp: new Date(at(0)).toISOString(),
        data: {
          token: { id: t.id, name: 'deploy', type: 'Service', expiration: null, last_used: expect.any(String) },
          user: { id: owner.id, user_id: 'bot@service' },
          ip: '203.0.113.7', user_agent: 'curl/8', first_seen: new Date(at(0)).toISOString(),
        },
      });
    }
    // Due now: the next delivery round takes them.
    expect((await store.webhooks.claimDue(new Date(at(2000)), new Date(at(30_000)), 10)).map((c) => c.url).sort()).toEqual(['https://a.example/', 'https://b.example/']);
  });

  it('concurrent flushes (two nodes) add up exactly and report a new client once', async () => {
    const t = await store.tokens.create(tokenInput(owner, 'shared'));
    const nodes = [new UsageBuffer(), new UsageBuffer(), new UsageBuffer()];
    let made = 0;
    for (const [n, buffer] of nodes.entries()) {
      for (let i = 0; i < 50 + n; i++, made++) buffer.record(t.id, at(i), '10.1.1.1', 'agent/1');
    }
    await Promise.all(nodes.map((b) => store.tokens.recordUsage(b.drain())));
    const usage = await store.tokens.usageOf(t.id, '2026-06-01', 10);
    expect(usage.daily).toEqual([{ date: '2026-06-01', requests: made }]);
    expect(usage.clients).toMatchObject([{ ip: '10.1.1.1', userAgent: 'agent/1', requests: made }]);
    expect(await newIpEvents()).toHaveLength(1);
  });

  it('skips the counts of a token deleted before the flush, and drops a token\'s rows with it', async () => {
    const gone = await store.tokens.create(tokenInput(owner, 'gone'));
    const kept = await store.tokens.create(tokenInput(owner, 'kept'));
    const buffer = new UsageBuffer();
    buffer.record(gone.id, at(0), '10.0.0.1', 'a');
    buffer.record(kept.id, at(0), '10.0.0.1', 'a');
    await store.tokens.delete(gone.id);
    await store.tokens.recordUsage(buffer.drain());
    expect((await store.tokens.usageOf(kept.id, '2026-01-01', 10)).daily).toEqual([{ date: '2026-06-01', requests: 1 }]);
    expect(await store.tokens.usageOf(gone.id, '2026-01-01', 10)).toEqual({ daily: [], clients: [] });
    await store.tokens.delete(kept.id);
    expect(await store.tokens.usageOf(kept.id, '2026-01-01', 10)).toEqual({ daily: [], clients: [] });
  });

  it('sums several tokens\' use since a day, and their clients seen since a time', async () => {
    const a = await store.tokens.create(tokenInput(owner, 'a'));
    const b = await store.tokens.create(tokenInput(owner, 'b'));
    const c = await store.tokens.create(tokenInput(owner, 'c'));
    const buffer = new UsageBuffer();
    buffer.record(a.id, at(0), '10.0.0.1', 'x');
    buffer.record(a.id, at(1), '10.0.0.1', 'x');
    buffer.record(b.id, at(2), '10.0.0.1', 'x');
    buffer.record(b.id, at(3), '10.0.0.2', 'y');
    buffer.record(c.id, at(-86_400_000 * 30), '10.0.0.3', 'old');
    await store.tokens.recordUsage(buffer.drain());
    const s = await store.tokens.usageSummary([a.id, b.id, c.id], '2026-05-25', new Date(at(-86_400_000 * 7)));
    expect(s.requests).toBe(4);
    expect([...s.perToken.entries()].sort()).toEqual([[a.id, 2], [b.id, 2]]);
    expect(s.clients.map((x) => [x.ip, x.userAgent, x.requests])).toEqual([['10.0.0.2', 'y', 1], ['10.0.0.1', 'x', 3]]);
    expect(await store.tokens.usageSummary([], '2026-05-25', T0)).toEqual({ requests: 0, clients: [], perToken: new Map() });
  });

  it('prunes daily counts before a day and clients last seen before a time', async () => {
    const t = await store.tokens.create(tokenInput(owner, 't'));
    const buffer = new UsageBuffer();
    buffer.record(t.id, at(-86_400_000 * 2), '10.0.0.1', 'old');
    buffer.record(t.id, at(0), '10.0.0.2', 'new');
    await store.tokens.recordUsage(buffer.drain());
    expect(await store.tokens.pruneUsage('2026-06-01', new Date(at(-86_400_000)))).toBe(2);
    const usage = await store.tokens.usageOf(t.id, '2026-01-01', 10);
    expect(usage.daily).toEqual([{ date: '2026-06-01', requests: 1 }]);
    expect(usage.clients.map((c) => c.userAgent)).toEqual(['new']);
  });
});
