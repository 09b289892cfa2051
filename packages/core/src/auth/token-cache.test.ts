import { describe, expect, it } from 'vitest';
import type { Principal } from './principal.js';
import { TokenCache } from './token-cache.js';

const principal = (tokenId: number, userId: number, exp: number | null = null): Principal => ({
  user: { id: userId, userId: `u${userId}`, email: null, name: 'u', type: 'Human', role: 'Member', active: true, teams: [], created: new Date(0), createdById: null, lastLogin: null },
  token: { id: tokenId, name: 't', type: 'Personal', scimEndpointsOnly: false, expiration: exp === null ? null : new Date(exp) },
});

describe('TokenCache', () => {
  it('is bounded: the oldest entry goes first', () => {
    const c = new TokenCache(2, { ttlMs: 60_000 });
    c.set('a', principal(1, 1), 0, c.epoch);
    c.set('b', principal(2, 1), 0, c.epoch);
    c.set('c', principal(3, 1), 0, c.epoch);
    expect([c.get('a', 1), c.get('b', 1), c.get('c', 1)].map((p) => p?.token?.id)).toEqual([undefined, 2, 3]);
  });

  it('invalidates by token, by user and entirely', () => {
    const c = new TokenCache();
    c.set('a', principal(1, 10), 0, c.epoch);
    c.set('b', principal(2, 10), 0, c.epoch);
    c.set('c', principal(3, 20), 0, c.epoch);
    c.apply({ kind: 'token', tokenId: 1 });
    expect(c.get('a', 1)).toBeUndefined();
    c.apply({ kind: 'user', userId: 10 });
    expect(c.get('b', 1)).toBeUndefined();
    expect(c.get('c', 1)?.token?.id).toBe(3);
    c.apply({ kind: 'all' });
    expect(c.size).toBe(0);
  });

  it('a token cached under two secrets (a rotation\'s grace period) loses both when it changes', () => {
    const c = new TokenCache();
    c.set('old', principal(1, 10, 5000), 0, c.epoch);
    c.set('new', principal(1, 10), 0, c.epoch);
    c.set('other', principal(2, 10), 0, c.epoch);
    expect(c.get('old', 1)?.token?.id).toBe(1);
    c.apply({ kind: 'token', tokenId: 1 });
    expect([c.get('old', 1), c.get('new', 1)]).toEqual([undefined, undefined]);
    expect(c.get('other', 1)?.token?.id).toBe(2);
    // Evicting one of the two first still leaves the other to the token's invalidation.
    c.set('old', principal(1, 10, 5000), 0, c.epoch);
    c.set('new', principal(1, 10), 0, c.epoch);
    c.apply({ kind: 'user', userId: 99 });
    expect(c.get('old', 5000)).toBeUndefined(); // past the old secret's expiry
    c.apply({ kind: 'token', tokenId: 1 });
    expect(c.get('new', 1)).toBeUndefined();
  });

  it('caps entries by TTL and by the token expiry', () => {
    const c = new TokenCache(10, { ttlMs: 1000 });
    c.set('ttl', principal(1, 1), 0, c.epoch);
    c.set('exp', principal(2, 1, 500), 0, c.epoch);
    expect(c.get('exp', 499)?.token?.id).toBe(2);
    expect(c.get('exp', 500)).toBeUndefined();
    expect(c.get('ttl', 999)?.token?.id).toBe(1);
    expect(c.get('ttl', 1000)).toBeUndefined();
  });

  it('with admission on second use: caches a token on its second use, and a scan of one-off tokens evicts nothing', () => {
    const c = new TokenCache(2, { ttlMs: 60_000, admitOnSecondUse: true });
    c.set('a', principal(1, 1), 0, c.epoch);
    expect(c.get('a', 1)).toBeUndefined();
    c.set('a', principal(1, 1), 0, c.epoch);
    c.set('b', principal(2, 1), 0, c.epoch);
    c.set('b', principal(2, 1), 0, c.epoch);
    for (let i = 0; i < 10; i++) c.set(`scan${i}`, principal(100 + i, 2), 0, c.epoch);
    expect([c.get('a', 1), c.get('b', 1)].map((p) => p?.token?.id)).toEqual([1, 2]);
    expect(c.size).toBe(2);
  });

  it('caches nothing while disabled', () => {
    const c = new TokenCache();
    c.setEnabled(false);
    c.set('a', principal(1, 1), 0, c.epoch);
    expect(c.size).toBe(0);
  });

  describe('users', () => {
    const userOf = (id: number) => principal(0, id).user;

    it('keeps a user until a change to them, to everyone or the TTL; a token change keeps it', () => {
      const c = new TokenCache(10, { ttlMs: 1000 });
      for (const id of [7, 8]) c.setUser(userOf(id), 0, c.epoch);
      c.apply({ kind: 'token', tokenId: 1 });
      expect(c.user(7, 1)?.id).toBe(7);
      c.apply({ kind: 'user', userId: 7 });
      expect([c.user(7, 1), c.user(8, 1)?.id]).toEqual([undefined, 8]);
      expect(c.user(8, 1000)).toBeUndefined();
      c.setUser(userOf(8), 0, c.epoch);
      c.apply({ kind: 'all' });
      expect(c.user(8, 1)).toBeUndefined();
    });

    it('keeps nothing read before a change, nor while disabled; works with a token cache of size 0', () => {
      const c = new TokenCache(0);
      const before = c.epoch;
      c.apply({ kind: 'user', userId: 99 });
      c.setUser(userOf(7), 0, before);
      expect(c.user(7, 1)).toBeUndefined();
      c.setUser(userOf(7), 0, c.epoch);
      expect(c.user(7, 1)?.id).toBe(7);
      c.setEnabled(false);
      expect(c.user(7, 1)).toBeUndefined();
      c.setUser(userOf(7), 0, c.epoch);
      expect(c.user(7, 1)).toBeUndefined();
    });

    it('a token entry does not outlive the TTL of the user read it was built with', () => {
      const c = new TokenCache(10, { ttlMs: 1000 });
      const p = principal(1, 7);
      c.setUser(p.user, 0, c.epoch);
      c.set('a', p, 900, c.epoch);
      expect(c.get('a', 999)).toBe(p);
      expect(c.get('a', 1000)).toBeUndefined();
    });

    it('is bounded: the oldest user goes first', () => {
      const c = new TokenCache(10, { maxUsers: 2 });
      for (const id of [1, 2, 3]) c.setUser(userOf(id), 0, c.epoch);
      expect([1, 2, 3].map((id) => c.user(id, 1)?.id)).toEqual([undefined, 2, 3]);
    });
  });
});
