import { createHmac, generateKeyPairSync, sign as asymmetricSign, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createKeyring } from '@gatehouse/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSecrets } from '../secrets.js';
import { rawHttp } from '../test-support/raw-http.js';
import { describeOnEachDatabase, TEST_SECRET, type TestApp } from '../test-support/test-app.js';

/*
 * JWT attacks at the HTTP level (RFC 8725 and the classic JWT library bugs). Each forged
 * credential is sent to GET /api/users/me and must be refused: 401 (400 for a header that is not
 * "Bearer <b64token>", 431 for one too large to read), without a store read when the signature
 * is not ours, and without the credential in the logs.
 */

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const real = createKeyring(parseSecrets(TEST_SECRET)).signing;
const attackerKey = Buffer.from('the-attackers-own-key-0123456789abcdef');

const hmac = (alg: 'sha256' | 'sha384' | 'sha512', key: Buffer | string | KeyObject, input: string) => createHmac(alg, key).update(input).digest('base64url');
/** A compact JWS from raw header/payload JSON (strings, so that duplicate keys survive). */
const jws = (header: unknown, payload: unknown, key: Buffer | string | KeyObject = attackerKey, alg: 'sha256' | 'sha384' | 'sha512' = 'sha256') => {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${hmac(alg, key, input)}`;
};
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });

interface Attack {
  name: string;
  /** The Authorization header value. */
  header(t: TestApp): string;
  status: 401 | 400;
  /** False only for a token whose signature is ours (the store may then be read). */
  noStoreRead?: boolean;
}

function parts(token: string) {
  const [h, p, s] = token.split('.') as [string, string, string];
  return { h, p, s, header: JSON.parse(Buffer.from(h, 'base64url').toString()), claims: JSON.parse(Buffer.from(p, 'base64url').toString()) };
}

const bearer = (token: string) => `Bearer ${token}`;

const ATTACKS: Attack[] = [
  // RFC 8725 §2.1, §3.1: "none" in any spelling, with no signature or the original one.
  ...['none', 'None', 'nOnE', 'NONE', ''].flatMap((alg): Attack[] => [
    { name: `alg "${alg}", empty signature`, status: 401, header: (t) => { const x = parts(t.adminToken); return bearer(`${b64({ ...x.header, alg })}.${x.p}.`); } },
    { name: `alg "${alg}", original signature`, status: 401, header: (t) => { const x = parts(t.adminToken); return bearer(`${b64({ ...x.header, alg })}.${x.p}.${x.s}`); } },
  ]),
  { name: 'alg missing', status: 401, header: (t) => { const x = parts(t.adminToken); return bearer(jws({ typ: 'JWT', kid: real.kid }, x.claims, real.jwtKey)); } },
  // Algorithm confusion: other HMACs with the server's real key, asymmetric algorithms.
  { name: 'HS384 with the real key', status: 401, header: (t) => bearer(jws({ alg: 'HS384', typ: 'JWT', kid: real.kid }, parts(t.adminToken).claims, real.jwtKey, 'sha384')) },
  { name: 'HS512 with the real key', status: 401, header: (t) => bearer(jws({ alg: 'HS512', typ: 'JWT', kid: real.kid }, parts(t.adminToken).claims, real.jwtKey, 'sha512')) },
  {
    name: 'RS256 signed by an attacker RSA key', status: 401,
    header: (t) => {
      const input = `${b64({ alg: 'RS256', typ: 'JWT', kid: real.kid })}.${parts(t.adminToken).p}`;
      return bearer(`${input}.${asymmetricSign('sha256', Buffer.from(input), rsa.privateKey).toString('base64url')}`);
    },
  },
  {
    name: 'RS256 header, HMAC keyed with the attacker public key PEM (classic confusion)', status: 401,
    header: (t) => bearer(jws({ alg: 'RS256', typ: 'JWT', kid: real.kid }, parts(t.adminToken).claims, rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString())),
  },
  {
    name: 'ES256 signed by an attacker EC key', status: 401,
    header: (t) => {
      const input = `${b64({ alg: 'ES256', typ: 'JWT', kid: real.kid })}.${parts(t.adminToken).p}`;
      return bearer(`${input}.${asymmetricSign('sha256', Buffer.from(input), { key: ec.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`);
    },
  },
  // kid injection: never a path, never a query, never a prototype key.
  ...[
    ['path traversal to /dev/null, empty key', '../../../../../../dev/null', ''],
    ['path traversal with an attacker key', '../../../etc/passwd', attackerKey],
    ['SQL injection', "x' UNION SELECT 'attacker-key' --", 'attacker-key'],
    ['SQL injection (always true)', "' OR '1'='1", attackerKey],
    ['unknown kid', 'k-unknown', attackerKey],
    ['__proto__', '__proto__', attackerKey],
    ['constructor', 'constructor', attackerKey],
    ['empty kid', '', attackerKey],
  ].map(([label, kid, key]): Attack => ({
    name: `kid injection: ${label as string}`, status: 401,
    header: (t) => bearer(jws({ alg: 'HS256', typ: 'JWT', kid }, parts(t.adminToken).claims, key as Buffer | string)),
  })),
  { name: 'kid as a number', status: 401, header: (t) => bearer(jws({ alg: 'HS256', typ: 'JWT', kid: 0 }, parts(t.adminToken).claims)) },
  { name: 'kid as an object', status: 401, header: (t) => bearer(jws({ alg: 'HS256', typ: 'JWT', kid: { $ne: null } }, parts(t.adminToken).claims)) },
  { name: 'kid missing', status: 401, header: (t) => bearer(jws({ alg: 'HS256', typ: 'JWT' }, parts(t.adminToken).claims)) },
  // Keys named in the token are never fetched nor trusted (RFC 8725 §3.10).
  {
    name: 'jwk: the attacker key embedded, real kid', status: 401,
    header: (t) => bearer(jws({ alg: 'HS256', typ: 'JWT', kid: real.kid, jwk: { kty: 'oct', k: attackerKey.toString('base64url') } }, parts(t.adminToken).claims)),
  },
  {
    name: 'jwk: the attacker key embedded, its own kid', status: 401,
    header: (t) => bearer(jws({ alg: 'HS256', typ: 'JWT', kid: 'attacker', jwk: { kty: 'oct', kid: 'attacker', k: attackerKey.toString('base64url') } }, parts(t.adminToken).claims)),
  },
  {
    name: 'jwk: an attacker RSA public key embedded, RS256', status: 401,
    header: (t) => {
      const input = `${b64({ alg: 'RS256', typ: 'JWT', jwk: rsa.publicKey.export({ format: 'jwk' }) })}.${parts(t.adminToken).p}`;
      return bearer(`${input}.${asymmetricSign('sha256', Buffer.from(input), rsa.privateKey).toString('base64url')}`);
    },
  },
  { name: 'jku to an attacker JWKS', status: 401, header: (t) => bearer(jws({ alg: 'HS256', typ: 'JWT', kid: 'attacker', jku: 'https://attacker.example/jwks.json' }, parts(t.adminToken).claims)) },
  { name: 'x5u to an attacker certificate', status: 401, header: (t) => bearer(jws({ alg: 'HS256', typ: 'JWT', kid: real.kid, x5u: 'https://attacker.example/cert.pem' }, parts(t.adminToken).claims)) },
  { name: 'x5c with an attacker chain', status: 401, header: (t) => bearer(jws({ alg: 'HS256', typ: 'JWT', kid: real.kid, x5c: ['MIIBattacker'] }, parts(t.adminToken).claims)) },
  // RFC 7515 §4.1.11: an extension we do not understand makes the token invalid, even signed by us.
  { name: 'crit header, signed with the real key', status: 401, header: (t) => bearer(jws({ alg: 'HS256', typ: 'JWT', kid: real.kid, crit: ['exp'] }, parts(t.adminToken).claims, real.jwtKey)) },
  { name: 'typ other than JWT, signed with the real key', status: 401, header: (t) => bearer(jws({ alg: 'HS256', typ: 'JWE', kid: real.kid }, parts(t.adminToken).claims, real.jwtKey)) },
  // Duplicate JSON keys: the parser keeps the last one; neither reading helps an attacker.
  { name: 'duplicate alg (none, then HS256), attacker key', status: 401, header: (t) => bearer(jws(`{"alg":"none","alg":"HS256","typ":"JWT","kid":"${real.kid}"}`, parts(t.adminToken).claims)) },
  { name: 'duplicate alg (HS256, then none), real key', status: 401, header: (t) => bearer(jws(`{"alg":"HS256","typ":"JWT","kid":"${real.kid}","alg":"none"}`, parts(t.adminToken).claims, real.jwtKey)) },
  {
    name: 'duplicate uid in the payload, original signature', status: 401,
    header: (t) => { const x = parts(t.adminToken); const payload = JSON.stringify(x.claims).replace(/^\{/, '{"uid":999999,'); return bearer(`${x.h}.${b64(payload)}.${x.s}`); },
  },
  // The payload changed under the original signature.
  ...([['uid', 999], ['sub', 'someone@else.example'], ['token_type', 'Service'], ['scim', true], ['exp', 4102444800]] as const).map(([k, v]): Attack => ({
    name: `tampered payload (${k}), original signature`, status: 401,
    header: (t) => { const x = parts(t.adminToken); return bearer(`${x.h}.${b64({ ...x.claims, [k]: v })}.${x.s}`); },
  })),
  { name: 'payload without exp, original signature', status: 401, header: (t) => { const x = parts(t.adminToken); const { exp: _exp, ...rest } = x.claims; return bearer(`${x.h}.${b64(rest)}.${x.s}`); } },
  // Structure.
  { name: 'signature stripped (trailing dot)', status: 401, header: (t) => { const x = parts(t.adminToken); return bearer(`${x.h}.${x.p}.`); } },
  { name: 'signature stripped (two segments)', status: 401, header: (t) => { const x = parts(t.adminToken); return bearer(`${x.h}.${x.p}`); } },
  { name: 'extra segment', status: 401, header: (t) => bearer(`${t.adminToken}.${parts(t.adminToken).s}`) },
  { name: 'five segments (JWE shape)', status: 401, header: (t) => { const x = parts(t.adminToken); return bearer(`${x.h}.${x.p}.${x.s}.${x.p}.${x.s}`); } },
  { name: 'empty payload segment', status: 401, header: (t) => { const x = parts(t.adminToken); return bearer(`${x.h}..${x.s}`); } },
  { name: 'leading dot', status: 401, header: (t) => bearer(`.${t.adminToken}`) },
  { name: 'signature of another token', status: 401, header: (t) => bearer(`${parts(t.adminToken).h}.${parts(t.adminToken).p}.${hmac('sha256', real.jwtKey, 'something else')}`) },
  { name: 'the same kid and claims, signed by another Gatehouse', status: 401, header: (t) => { const x = parts(t.adminToken); return bearer(jws(x.header, x.claims, 'another-installation-secret-0123456789')); } },
  // Encodings: base64 instead of base64url, padding, a non-canonical last character.
  { name: 'signature in standard base64 (+/ and padding)', status: 401, header: (t) => { const x = parts(t.adminToken); return bearer(`${x.h}.${x.p}.${Buffer.from(x.s, 'base64url').toString('base64')}`); } },
  { name: 'signature with = padding', status: 401, header: (t) => bearer(`${t.adminToken}=`) },
  {
    name: 'signature with a non-canonical last character (same bytes)', status: 401,
    header: (t) => {
      const x = parts(t.adminToken);
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const last = alphabet.indexOf(x.s.at(-1)!);
      const twin = alphabet[last ^ 1]!; // the low 2 bits of the 43rd character carry no data
      expect(Buffer.from(x.s.slice(0, -1) + twin, 'base64url')).toEqual(Buffer.from(x.s, 'base64url'));
      return bearer(`${x.h}.${x.p}.${x.s.slice(0, -1)}${twin}`);
    },
  },
  { name: 'percent-encoded dots', status: 400, header: (t) => bearer(t.adminToken.replace(/\./g, '%2E')) },
  { name: 'percent-encoded whole token', status: 400, header: (t) => bearer(encodeURIComponent(`"${t.adminToken}"`)) },
  { name: 'quoted token', status: 400, header: (t) => bearer(`"${t.adminToken}"`) },
  { name: 'space inside the token', status: 400, header: (t) => bearer(t.adminToken.replace('.', '. ')) },
  { name: 'tab after the scheme', status: 400, header: (t) => `Bearer\t${t.adminToken}` },
  { name: 'two tokens', status: 400, header: (t) => `Bearer ${t.adminToken} ${t.adminToken}` },
  { name: 'comma-joined credentials', status: 400, header: (t) => `Bearer ${t.adminToken}, Bearer ${t.adminToken}` },
  { name: 'scheme without a space', status: 401, header: (t) => `Bearer${t.adminToken}` },
  { name: 'scheme with a colon', status: 401, header: (t) => `Bearer: ${t.adminToken}` },
  { name: 'another scheme (Token)', status: 401, header: (t) => `Token ${t.adminToken}` },
  { name: 'Basic with the token as password', status: 401, header: (t) => `Basic ${Buffer.from(`x:${t.adminToken}`).toString('base64')}` },
  { name: 'unicode look-alike dots', status: 400, header: (t) => bearer(t.adminToken.replace(/\./g, '\u2024')) },
  // Claims signed with the real key but of the wrong shape: refused after the signature, before the store.
  { name: 'real key, uid as a string', status: 401, header: (t) => bearer(jws(parts(t.adminToken).header, { ...parts(t.adminToken).claims, uid: '1' }, real.jwtKey)) },
  { name: 'real key, expired', status: 401, header: (t) => bearer(jws(parts(t.adminToken).header, { ...parts(t.adminToken).claims, exp: 1_000_000_000 }, real.jwtKey)) },
  { name: 'real key, payload not an object', status: 401, header: (t) => bearer(jws(parts(t.adminToken).header, [1, 2, 3], real.jwtKey)) },
  // A token we signed but never issued: refused by the store lookup (which is then allowed).
  { name: 'real key, never issued (unknown jti)', status: 401, noStoreRead: false, header: (t) => bearer(jws(parts(t.adminToken).header, { ...parts(t.adminToken).claims, jti: 'never-issued-0123456789' }, real.jwtKey)) },
];

/** Every line the app logged (pino JSON), with the app's own redaction (createLogger's default). */
const logs: string[] = [];
const logger = { level: 'debug', stream: { write: (line: string) => void logs.push(line) } };

describeOnEachDatabase('JWT attacks over HTTP', (app) => {
  let reads = 0;
  let port = 0;
  beforeAll(async () => {
    const tokens = app().server.store.tokens;
    const original = tokens.findAuthRecordByHash;
    tokens.findAuthRecordByHash = async (hash) => {
      reads++;
      return original(hash);
    };
    await app().server.app.listen({ host: '127.0.0.1', port: 0 });
    port = (app().server.app.server.address() as AddressInfo).port;
  });

  const sent: string[] = [];
  afterAll(() => {
    // Nothing but token ids in the logs: no forged credential, no real token, no signature.
    const text = logs.join('');
    expect(logs.length).toBeGreaterThan(ATTACKS.length);
    for (const value of [...sent, app().adminToken]) {
      const token = value.replace(/^\S+\s+/, '');
      expect(text).not.toContain(token);
      const signature = token.split('.')[2];
      if (signature && signature.length >= 16) expect(text).not.toContain(signature);
    }
  });

  describe.each(ATTACKS)('$name', (attack) => {
    it(`→ ${attack.status}${attack.noStoreRead === false ? '' : ', no store read'}`, async () => {
      const t = app();
      const header = attack.header(t);
      sent.push(header);
      reads = 0;
      const res = await t.request({ method: 'GET', url: '/api/users/me', headers: { authorization: header } });
      expect(res.statusCode).toBe(attack.status);
      const body = res.json();
      expect(body).toMatchObject({ code: attack.status === 400 ? 'INVALID_REQUEST' : expect.stringMatching(/^(INVALID_TOKEN|UNAUTHENTICATED)$/), detail: expect.any(String), request_id: expect.any(String) });
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="gatehouse"/);
      expect(JSON.stringify(body)).not.toContain(header.slice(7, 40));
      if (attack.noStoreRead !== false) expect(reads).toBe(0);
    });
  });

  describe('the Bearer scheme (RFC 6750 §2.1, RFC 9110 §11.1)', () => {
    it.each(['Bearer', 'bearer', 'BEARER', 'BeArEr'])('%s <token> is accepted (the scheme is case-insensitive)', async (scheme) => {
      const t = app();
      expect((await t.request({ method: 'GET', url: '/api/users/me', headers: { authorization: `${scheme} ${t.adminToken}` } })).statusCode).toBe(200);
    });

    it('several spaces after the scheme are accepted (1*SP)', async () => {
      const t = app();
      expect((await t.request({ method: 'GET', url: '/api/users/me', headers: { authorization: `Bearer   ${t.adminToken}` } })).statusCode).toBe(200);
    });

    it('the token case is significant', async () => {
      const t = app();
      const x = parts(t.adminToken);
      reads = 0;
      const res = await t.request({ method: 'GET', url: '/api/users/me', headers: { authorization: `Bearer ${x.h}.${x.p}.${x.s.toUpperCase()}` } });
      expect(res.statusCode).toBe(401);
      expect(reads).toBe(0);
    });
  });

  describe('only the Authorization header carries a token (RFC 6750 §2.3 is not supported)', () => {
    it('?access_token= is refused, and not logged', async () => {
      const t = app();
      const res = await t.request({ method: 'GET', url: `/api/users/me?access_token=${t.adminToken}` });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('UNAUTHENTICATED');
      const lines = logs.filter((l) => l.includes('access_token'));
      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines) expect(l).toContain('access_token=[redacted]');
    });

    it('a token in a JSON body or a cookie is refused', async () => {
      const t = app();
      expect((await t.request({ method: 'POST', url: '/api/user-tokens', payload: { name: 'x', access_token: t.adminToken } })).statusCode).toBe(401);
      expect((await t.request({ method: 'GET', url: '/api/users/me', cookie: `access_token=${t.adminToken}` })).statusCode).toBe(401);
      expect((await t.request({ method: 'GET', url: '/api/users/me', cookie: `gatehouse_session=${t.adminToken}` })).statusCode).toBe(401);
    });
  });

  describe('size and bytes', () => {
    it('an 8 KB token is refused at once, without a store read', async () => {
      const t = app();
      const x = parts(t.adminToken);
      reads = 0;
      const started = Date.now();
      const res = await t.request({ method: 'GET', url: '/api/users/me', headers: { authorization: `Bearer ${x.h}.${'A'.repeat(8192)}.${x.s}` } });
      expect(res.statusCode).toBe(401);
      expect(Date.now() - started).toBeLessThan(500);
      expect(reads).toBe(0);
    });

    it('a 16 KB Authorization header is refused quickly by the HTTP parser (431)', async () => {
      const t = app();
      const huge = `Bearer ${parts(t.adminToken).h}.${'A'.repeat(16 * 1024)}.x`;
      const res = await rawHttp(port, [`GET /api/users/me HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${huge}\r\nConnection: close\r\n\r\n`]);
      expect(res.status).toBe(431);
      expect(res.ms).toBeLessThan(2000);
    });

    it.each([
      ['bytes that are not UTF-8 in the token', Buffer.from([0xff, 0xfe, 0x80, 0xc3, 0x28]), 400],
      ['an overlong UTF-8 encoding of "."', Buffer.from([0xc0, 0xae]), 400],
      ['a lone surrogate in UTF-8', Buffer.from([0xed, 0xa0, 0x80]), 400],
    ])('%s → %d, and the server keeps serving', async (_label, bytes, status) => {
      const t = app();
      const head = Buffer.from(`GET /api/users/me HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAuthorization: Bearer ${parts(t.adminToken).h}.`);
      const res = await rawHttp(port, [Buffer.concat([head, bytes, Buffer.from(`.${parts(t.adminToken).s}\r\n\r\n`)])]);
      expect(res.status).toBe(status);
      expect(res.text).toContain('"code"');
      const ok = await fetch(`http://127.0.0.1:${port}/api/users/me`, { headers: { authorization: `Bearer ${t.adminToken}` } });
      expect(ok.status).toBe(200);
    });

    it('a NUL or a bare CR in the header is refused by the parser (400) and the server keeps serving', async () => {
      const t = app();
      for (const bad of [Buffer.from('Bearer abc\0def'), Buffer.from('Bearer abc\rdef')]) {
        const res = await rawHttp(port, [Buffer.concat([Buffer.from('GET /api/users/me HTTP/1.1\r\nHost: localhost\r\nAuthorization: '), bad, Buffer.from('\r\nConnection: close\r\n\r\n')])]);
        expect(res.status).toBe(400);
      }
      expect((await fetch(`http://127.0.0.1:${port}/api/users/me`, { headers: { authorization: `Bearer ${t.adminToken}` } })).status).toBe(200);
    });

    it('a second Authorization header does not smuggle a token past the first', async () => {
      const t = app();
      const res = await rawHttp(port, [`GET /api/users/me HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer garbage.garbage.garbage\r\nAuthorization: Bearer ${t.adminToken}\r\nConnection: close\r\n\r\n`]);
      expect(res.status).toBe(401);
    });

    it('trailing whitespace is not part of the header value (RFC 9110 §5.5)', async () => {
      const t = app();
      const res = await rawHttp(port, [`GET /api/users/me HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${t.adminToken}   \r\nConnection: close\r\n\r\n`]);
      expect(res.status).toBe(200);
    });
  });
}, {}, { logger });
