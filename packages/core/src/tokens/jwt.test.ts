import { createHmac, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashToken, mintJwt, verifyJwt } from './jwt.js';
import { createKeyring } from './keyring.js';

const keyring = createKeyring([{ kid: 'k1', secret: 'a'.repeat(40) }]);
const NOW = new Date('2026-06-01T00:00:00Z');
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

function mint(exp: Date | null = null) {
  return mintJwt(keyring, { sub: 'svc@service', uid: 7, iat: NOW, exp, token_type: 'Service' }).token;
}

describe('mintJwt', () => {
  it('writes {alg, typ, kid} and the claims of SPEC §2', () => {
    const token = mint(new Date('2026-07-01T00:00:00Z'));
    const [h, p] = token.split('.').slice(0, 2).map((s) => JSON.parse(Buffer.from(s, 'base64url').toString()));
    expect(h).toEqual({ alg: 'HS256', typ: 'JWT', kid: 'k1' });
    expect(p).toEqual({ iss: 'gatehouse', sub: 'svc@service', uid: 7, jti: expect.stringMatching(/^[\w-]{24}$/), iat: NOW.getTime() / 1000, exp: Date.parse('2026-07-01T00:00:00Z') / 1000, token_type: 'Service' });
    expect(token.startsWith('eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVC')).toBe(true);
  });

  it('omits exp for a token that never expires, and jti differs every time', () => {
    const a = mint();
    const b = mint();
    expect(JSON.parse(Buffer.from(a.split('.')[1]!, 'base64url').toString()).exp).toBeUndefined();
    expect(a).not.toBe(b);
  });
});

describe('verifyJwt', () => {
  it('accepts what it minted', () => {
    const r = verifyJwt(keyring, mint(), NOW);
    expect(r).toMatchObject({ ok: true, claims: { sub: 'svc@service', uid: 7 }, key: { kid: 'k1' } });
  });

  const token = mint(new Date('2026-06-02T00:00:00Z'));
  const [h, p, s] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  const resign = (header: unknown, payload: unknown, key: Buffer | string | KeyObject) => {
    const input = `${b64(header)}.${b64(payload)}`;
    return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
  };

  it.each([
    ['three segments required', `${h}.${p}`, 'MALFORMED'],
    ['an empty signature', `${h}.${p}.`, 'MALFORMED'],
    ['four segments', `${token}.x`, 'MALFORMED'],
    ['alg none', `${b64({ alg: 'none', typ: 'JWT', kid: 'k1' })}.${p}.${s}`, 'BAD_ALG'],
    ['alg None', `${b64({ alg: 'None', typ: 'JWT', kid: 'k1' })}.${p}.${s}`, 'BAD_ALG'],
    ['alg HS512', resign({ alg: 'HS512', typ: 'JWT', kid: 'k1' }, claims, keyring.get('k1')!.jwtKey), 'BAD_ALG'],
    ['alg RS256', `${b64({ alg: 'RS256', typ: 'JWT', kid: 'k1' })}.${p}.${s}`, 'BAD_ALG'],
    ['unknown kid', resign({ alg: 'HS256', typ: 'JWT', kid: '../../etc/passwd' }, claims, 'x'), 'UNKNOWN_KID'],
    ['missing kid', resign({ alg: 'HS256', typ: 'JWT' }, claims, keyring.get('k1')!.jwtKey), 'UNKNOWN_KID'],
    ['crit header', resign({ alg: 'HS256', typ: 'JWT', kid: 'k1', crit: ['exp'] }, claims, keyring.get('k1')!.jwtKey), 'MALFORMED'],
    ['signed with another secret', resign({ alg: 'HS256', typ: 'JWT', kid: 'k1' }, claims, 'a'.repeat(40)), 'BAD_SIGNATURE'],
    ['tampered payload, original signature', `${h}.${b64({ ...claims, uid: 1 })}.${s}`, 'BAD_SIGNATURE'],
    ['non-canonical base64 signature', `${h}.${p}.${s}=`, 'BAD_SIGNATURE'],
    ['header that is not JSON', `${Buffer.from('{nope').toString('base64url')}.${p}.${s}`, 'MALFORMED'],
    ['signed claims of the wrong shape', resign({ alg: 'HS256', typ: 'JWT', kid: 'k1' }, { sub: 1 }, keyring.get('k1')!.jwtKey), 'BAD_CLAIMS'],
  ])('refuses %s', (_name, bad, reason) => {
    expect(verifyJwt(keyring, bad, NOW)).toEqual({ ok: false, reason });
  });

  it('refuses an expired token from the second of exp on', () => {
    expect(verifyJwt(keyring, token, new Date('2026-06-01T23:59:59Z')).ok).toBe(true);
    expect(verifyJwt(keyring, token, new Date('2026-06-02T00:00:00Z'))).toEqual({ ok: false, reason: 'EXPIRED' });
  });

  it('keeps accepting tokens of an older key while a newer one signs (rotation)', () => {
    const rotated = createKeyring([{ kid: 'k2', secret: 'b'.repeat(40) }, { kid: 'k1', secret: 'a'.repeat(40) }]);
    expect(verifyJwt(rotated, token, NOW).ok).toBe(true);
    const fresh = mintJwt(rotated, { sub: 's', uid: 1, iat: NOW, exp: null, token_type: 'Personal' }).token;
    expect(JSON.parse(Buffer.from(fresh.split('.')[0]!, 'base64url').toString()).kid).toBe('k2');
    expect(verifyJwt(keyring, fresh, NOW)).toEqual({ ok: false, reason: 'UNKNOWN_KID' });
  });
});

describe('hashToken', () => {
  it('is an HMAC keyed by the pepper, not a plain hash of the token', () => {
    const t = mint();
    const hash = hashToken(keyring.get('k1')!, t);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toBe(createHmac('sha256', '').update(t).digest('hex'));
    expect(hashToken(createKeyring([{ kid: 'k1', secret: 'c'.repeat(40) }]).get('k1')!, t)).not.toBe(hash);
  });
});

describe('createKeyring', () => {
  it.each([
    [[], 'at least one signing secret is required'],
    [[{ secret: 'short' }], 'a signing secret must have at least 32 characters'],
    [[{ kid: 'a', secret: 'a'.repeat(32) }, { kid: 'a', secret: 'b'.repeat(32) }], 'duplicate key id "a"'],
    [[{ kid: 'bad kid!', secret: 'a'.repeat(32) }], 'invalid key id "bad kid!": use 1-32 letters, digits, - or _'],
  ])('refuses %j', (secrets, message) => {
    expect(() => createKeyring(secrets)).toThrow(message);
  });
});
