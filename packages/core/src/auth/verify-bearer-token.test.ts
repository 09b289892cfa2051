import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../clock.js';
import type { User } from '../model.js';
import type { TokenAuthRecord, TokenStore } from '../ports.js';
import { hashToken, mintJwt } from '../tokens/jwt.js';
import { createKeyring } from '../tokens/keyring.js';
import { parseBearerHeader, REMEMBERED_REFUSALS, TokenAuthenticator } from './verify-bearer-token.js';
import { TokenCache } from './token-cache.js';
import { UsageBuffer } from './usage-buffer.js';

const keyring = createKeyring([{ kid: 'k1', secret: 's'.repeat(40) }]);
const user: User = { id: 1, userId: 'a@x.io', email: 'a@x.io', name: 'A', type: 'Human', role: 'Admin', active: true, teams: [], created: new Date(0), createdById: null, lastLogin: null };

function setup(record?: Partial<TokenAuthRecord>) {
  const clock = new ManualClock('2026-06-01T00:00:00Z');
  const token = mintJwt(keyring, { sub: 'a@x.io', uid: 1, iat: clock.now(), exp: new Date('2026-06-02T00:00:00Z'), token_type: 'Personal' }).token;
  const stored: TokenAuthRecord = { tokenId: 9, tokenName: 't', type: 'Personal', scimEndpointsOnly: false, expiration: new Date('2026-06-02T00:00:00Z'), revokedAt: null, user, ...record };
  const findAuthRecordByHash = vi.fn(async (hash: string) => (hash === hashToken(keyring.get('k1')!, token) ? stored : undefined));
  const cache = new TokenCache();
  const usage = new UsageBuffer();
  const auth = new TokenAuthenticator({ keyring, tokens: { findAuthRecordByHash } as unknown as TokenStore, clock, cache, usage });
  return { clock, token, auth, findAuthRecordByHash, cache, usage };
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
    expect(usage.drain()).toEqual([{ tokenId: 9, at: expect.any(Date), ip: '10.0.0.2' }]);
  });

  it('never serves a cached token past its expiry', async () => {
    const { auth, token, clock } = setup();
    expect(await auth.verify(`Bearer ${token}`, null)).toMatchObject({ valid: true });
    clock.set('2026-06-02T00:00:00Z');
    expect(await auth.verify(`Bearer ${token}`, null)).toEqual({ valid: false, reason: 'EXPIRED' });
  });

  it.each([
    [{ revokedAt: new Date(0) }, 'REVOKED'],
    [{ user: { ...user, active: false } }, 'USER_INACTIVE'],
    [{ expiration: new Date('2026-05-01T00:00:00Z') }, 'EXPIRED'],
  ])('refuses a stored record %j', async (record, reason) => {
    const { auth, token } = setup(record);
    expect(await auth.verify(`Bearer ${token}`, null)).toEqual({ valid: false, reason });
  });

  it('drops a cached entry on a change, and a read racing a change does not re-insert it', async () => {
    const { auth, token, cache, findAuthRecordByHash } = setup();
    await auth.verify(`Bearer ${token}`, null);
    cache.apply({ kind: 'token', tokenId: 9 });
    expect(cache.size).toBe(0);
    // A lookup in flight while an invalidation happens must not cache its (possibly stale) answer.
    findAuthRecordByHash.mockImplementationOnce(async () => {
      cache.apply({ kind: 'user', userId: 1 });
      return { tokenId: 9, tokenName: 't', type: 'Personal', scimEndpointsOnly: false, expiration: null, revokedAt: null, user };
    });
    await auth.verify(`Bearer ${token}`, null);
    expect(cache.size).toBe(0);
  });

  describe('remembered refusals', () => {
    const forge = (t: string) => t.slice(0, -4) + (t.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    /** An authenticator whose keyring lookups are counted and whose keys can change. */
    function counted(initial = keyring) {
      const { clock, token, findAuthRecordByHash } = setup();
      let current = initial;
      const get = vi.fn((kid: string) => current.get(kid));
      const ring = { get signing() { return current.signing; }, get sessionKey() { return current.sessionKey; }, get };
      const auth = new TokenAuthenticator({ keyring: ring, tokens: { findAuthRecordByHash } as unknown as TokenStore, clock, cache: new TokenCache(), usage: new UsageBuffer() });
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
        h === hashToken(withNewKey.get('k2')!, newToken) ? { tokenId: 10, tokenName: 'n', type: 'Personal', scimEndpointsOnly: false, expiration: null, revokedAt: null, user } : undefined,
      );
      expect(auth.verify(`Bearer ${newToken}`, null)).toEqual({ valid: false, reason: 'UNKNOWN_KID' });
      setKeyring(withNewKey);
      expect(await auth.verify(`Bearer ${newToken}`, null)).toMatchObject({ valid: true, principal: { token: { id: 10 } } });
    });
  });
});
