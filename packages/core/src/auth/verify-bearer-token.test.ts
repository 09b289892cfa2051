import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../clock.js';
import type { User } from '../model.js';
import type { TokenAuthRecord, TokenStore, UserStore } from '../ports.js';
import { hashToken, mintJwt } from '../tokens/jwt.js';
import { createKeyring } from '../tokens/keyring.js';
import { parseBearerHeader, REMEMBERED_REFUSALS, TokenAuthenticator } from './verify-bearer-token.js';
import { TokenCache } from './token-cache.js';
import { UsageBuffer } from './usage-buffer.js';

const keyring = createKeyring([{ kid: 'k1', secret: 's'.repeat(40) }]);
const user: User = { id: 1, userId: 'a@x.io', email: 'a@x.io', name: 'A', type: 'Human', role: 'Admin', active: true, teams: [], created: new Date(0), createdById: null, lastLogin: null };

/** The users store of a test: user 1 as `users.current`, which a test may replace or remove. */
function usersOf(initial: User | undefined) {
  const state = { current: initial };
  const findById = vi.fn(async (id: number) => (id === 1 ? state.current : undefined));
  return { state, findById, store: { findById } as Pick<UserStore, 'findById'> };
}

/** `owner` null: the user is gone (deleted after the token was read). */
function setup(record?: Partial<TokenAuthRecord>, owner: User | null = user) {
  const clock = new ManualClock('2026-06-01T00:00:00Z');
  const token = mintJwt(keyring, { sub: 'a@x.io', uid: 1, iat: clock.now(), exp: new Date('2026-06-02T00:00:00Z'), token_type: 'Personal' }).token;
  const stored: TokenAuthRecord = { tokenId: 9, tokenName: 't', type: 'Personal', scimEndpointsOnly: false, expiration: new Date('2026-06-02T00:00:00Z'), revokedAt: null, userId: 1, ...record };
  const findAuthRecordByHash = vi.fn(async (hash: string) => (hash === hashToken(keyring.get('k1')!, token) ? stored : undefined));
  const cache = new TokenCache();
  const usage = new UsageBuffer();
  const users = usersOf(owner ?? undefined);
  const auth = new TokenAuthenticator({ keyring, tokens: { findAuthRecordByHash } as unknown as TokenStore, users: users.store, clock, cache, usage });
  return { clock, token, auth, findAuthRecordByHash, cache, usage, users };
}

describe('parseBearerHeader (RFC 6750 §2.1)', () => {
  it.each([
    [undefined, { reason: 'MISSING' }],
    ['', { reason: 'MISSING' }],
    ['Basic abc', { reason: 'MISSING' }],
    ['Bearer', { reason: 'INVALID_REQUEST' }],
    ['Bearer a b', { reason: 'INVALID_REQUEST' }],
    ['Bearer a%20b', { reason: 'INVALID_REQUEST' }],
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER   abc', 'abc'],
  ])('%j → %j', (header, expected) => {
    expect(parseBearerHeader(header)).toEqual(expected);
  });
});

describe('TokenAuthenticator', () => {
  it('checks the signature before the store: a forged token never reaches it', async () => {
    const { auth, token, findAuthRecordByHash } = setup();
    const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(await auth.verify(`Bearer ${forged}`, null)).toEqual({ valid: false, reason: 'BAD_SIGNATURE' });
    expect(findAuthRecordByHash).not.toHaveBeenCalled();
  });

  it('answers a warm token from the cache, synchronously, without the store', async () => {
    const { auth, token, findAuthRecordByHash, usage } = setup();
    const first = await auth.verify(`Bearer ${token}`, '10.0.0.1');
    expect(first).toMatchObject({ valid: true, principal: { user: { id: 1 }, token: { id: 9 } } });
    const second = auth.verify(`Bearer ${token}`, '10.0.0.2');
    expect(second).not.toBeInstanceOf(Promise);
    expect(second).toMatchObject({ valid: true });
    expect(findAuthRecordByHash).toHaveBeenCalledTimes(1);
    expect(usage.drain()).toMatchObject([{ tokenId: 9, atMs: expect.any(Number), ip: '10.0.0.2' }]);
  });

  it('never serves a cached token past its expiry', async () => {
    const { auth, token, clock } = setup();
    expect(await auth.verify(`Bearer ${token}`, null)).toMatchObject({ valid: true });
    clock.set('2026-06-02T00:00:00Z');
    expect(await auth.verify(`Bearer ${token}`, null)).toEqual({ valid: false, reason: 'EXPIRED' });
  });

  it.each([
    [{ revokedAt: new Date(0) }, 'REVOKED'],
    [{ expiration: new Date('2026-05-01T00:00:00Z') }, 'EXPIRED'],
  ])('refuses a stored record %j', async (record, reason) => {
    const { auth, token } = setup(record);
    expect(await auth.verify(`Bearer ${token}`, null)).toEqual({ valid: false, reason });
  });

  it('refuses the token of a deactivated user, and of a user gone between the two reads', async () => {
    const inactive = setup({}, { ...user, active: false });
    expect(await inactive.auth.verify(`Bearer ${inactive.token}`, null)).toEqual({ valid: false, reason: 'USER_INACTIVE' });
    const gone = setup({}, null);
    expect(await gone.auth.verify(`Bearer ${gone.token}`, null)).toEqual({ valid: false, reason: 'UNKNOWN_TOKEN' });
  });

  describe('users, cached apart from their tokens', () => {
    /** `n` distinct tokens of user 1, each stored with its own id. */
    function tokensOfOneUser(n: number) {
      const s = setup();
      const minted = Array.from({ length: n }, (_, i) =>
        mintJwt(keyring, { sub: 'a@x.io', uid: 1, iat: new Date(s.clock.nowMs() - i * 1000), exp: null, token_type: 'Personal' }).token);
      s.findAuthRecordByHash.mockImplementation(async (h: string) => {
        const i = minted.findIndex((t) => hashToken(keyring.get('k1')!, t) === h);
        return i < 0 ? undefined : { tokenId: 100 + i, tokenName: `t${i}`, type: 'Personal', scimEndpointsOnly: false, expiration: null, revokedAt: null, userId: 1 };
      });
      return { ...s, minted };
    }

    it('reads a user once for all of their never-seen tokens, which share one user object', async () => {
      const { auth, minted, users } = tokensOfOneUser(3);
      const answers = [];
      for (const t of minted) answers.push(await auth.verify(`Bearer ${t}`, null));
      expect(answers.map((a) => a.valid && a.principal.token?.id)).toEqual([100, 101, 102]);
      expect(users.findById).toHaveBeenCalledTimes(1);
      const principals = answers.map((a) => (a.valid ? a.principal : undefined));
      expect(principals[2]!.user).toBe(principals[0]!.user);
    });

    it('reads the user again after a change to them: a deactivation refuses their next new token', async () => {
      const { auth, minted, users, cache } = tokensOfOneUser(2);
      expect(await auth.verify(`Bearer ${minted[0]}`, null)).toMatchObject({ valid: true });
      users.state.current = { ...user, active: false };
      cache.apply({ kind: 'user', userId: 1 });
      expect(await auth.verify(`Bearer ${minted[1]}`, null)).toEqual({ valid: false, reason: 'USER_INACTIVE' });
      expect(users.findById).toHaveBeenCalledTimes(2);
    });

    it('does not keep a user read while a change to them happened', async () => {
      const { auth, minted, users, cache } = tokensOfOneUser(2);
      users.findById.mockImplementationOnce(async () => {
        cache.apply({ kind: 'user', userId: 1 });
        return user;
      });
      await auth.verify(`Bearer ${minted[0]}`, null);
      expect(cache.user(1, Date.parse('2026-06-01T00:00:00Z'))).toBeUndefined();
      await auth.verify(`Bearer ${minted[1]}`, null);
      expect(users.findById).toHaveBeenCalledTimes(2);
    });
  });

  it('drops a cached entry on a change, and a read racing a change does not re-insert it', async () => {
    const { auth, token, cache, findAuthRecordByHash } = setup();
    await auth.verify(`Bearer ${token}`, null);
    cache.apply({ kind: 'token', tokenId: 9 });
    expect(cache.size).toBe(0);
    // A lookup in flight while an invalidation happens must not cache its (possibly stale) answer.
    findAuthRecordByHash.mockImplementationOnce(async () => {
      cache.apply({ kind: 'user', userId: 1 });
      return { tokenId: 9, tokenName: 't', type: 'Personal', scimEndpointsOnly: false, expiration: null, revokedAt: null, userId: 1 };
    });
    await auth.verify(`Bearer ${token}`, null);
    expect(cache.size).toBe(0);
  });

  describe('remembered refusals', () => {
    const forge = (t: string) => t.slice(0, -4) + (t.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    /** An authenticator whose keyring lookups are counted and whose keys can change. */
    function counted(initial = keyring) {
      const { clock, token, findAuthRecordByHash, users } = setup();
      let current = initial;
      const get = vi.fn((kid: string) => current.get(kid));
      const ring = { get signing() { return current.signing; }, get sessionKey() { return current.sessionKey; }, get };
      const auth = new TokenAuthenticator({
        keyring: ring, tokens: { findAuthRecordByHash } as unknown as TokenStore, users: users.store, clock, cache: new TokenCache(), usage: new UsageBuffer(),
      });
      return { auth, token, get, findAuthRecordByHash, setKeyring: (k: typeof keyring) => (current = k) };
    }

    it('refuses a forged token again with the same answer, without checking it again', () => {
      const { auth, token, get, findAuthRecordByHash } = counted();
      const forged = forge(token);
      expect(auth.verify(`Bearer ${forged}`, null)).toEqual({ valid: false, reason: 'BAD_SIGNATURE' });
      expect(auth.verify(`Bearer ${forged}`, null)).toEqual({ valid: false, reason: 'BAD_SIGNATURE' });
      expect(get).toHaveBeenCalledTimes(1);
      expect(findAuthRecordByHash).not.toHaveBeenCalled();
    });

    it('forgets the oldest once it holds its maximum', () => {
      const { auth, token, get } = counted();
      const first = `Bearer ${forge(token)}`;
      auth.verify(first, null);
      for (let i = 0; i < REMEMBERED_REFUSALS; i++) auth.verify(`Bearer ${token.slice(0, -10)}${i.toString(36).padStart(6, '0')}AAAA`, null);
      get.mockClear();
      expect(auth.verify(first, null)).toEqual({ valid: false, reason: 'BAD_SIGNATURE' });
      expect(get).toHaveBeenCalledTimes(1);
    });

    it('does not remember an unknown key id: the token is accepted once this node has the key', async () => {
      const withNewKey = createKeyring([{ kid: 'k2', secret: 't'.repeat(40) }, { kid: 'k1', secret: 's'.repeat(40) }]);
      const { auth, findAuthRecordByHash, setKeyring } = counted();
      const clock = new ManualClock('2026-06-01T00:00:00Z');
      const newToken = mintJwt(withNewKey, { sub: 'a@x.io', uid: 1, iat: clock.now(), exp: null, token_type: 'Personal' }).token;
      findAuthRecordByHash.mockImplementation(async (h: string) =>
        h === hashToken(withNewKey.get('k2')!, newToken) ? { tokenId: 10, tokenName: 'n', type: 'Personal', scimEndpointsOnly: false, expiration: null, revokedAt: null, userId: 1 } : undefined,
      );
      expect(auth.verify(`Bearer ${newToken}`, null)).toEqual({ valid: false, reason: 'UNKNOWN_KID' });
      setKeyring(withNewKey);
      expect(await auth.verify(`Bearer ${newToken}`, null)).toMatchObject({ valid: true, principal: { token: { id: 10 } } });
    });
  });
});
