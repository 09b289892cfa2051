import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mintJwt } from './jwt.js';
import { createKeyring } from './keyring.js';
import { findTokens, TOKEN_PATTERN_SOURCE } from './recognise.js';

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const pick = <T>(xs: readonly T[]): T => xs[randomInt(xs.length)]!;
const randomText = (min: number, max: number) => randomBytes(randomInt(min, max + 1)).toString('base64url');
const matches = (text: string) => findTokens(text).map((f) => f.token);

/** A Gatehouse token as the server mints it, with a key id of 1–32 characters and varied claims. */
function gatehouseToken(): string {
  const kid = randomBytes(24).toString('base64url').replace(/[^A-Za-z0-9_-]/g, '').slice(0, randomInt(1, 33));
  const keyring = createKeyring([{ kid, secret: randomBytes(32).toString('hex') }]);
  const sub = pick(['a@b.co', `${randomText(1, 60)}@service`, `${'x'.repeat(randomInt(1, 300))}@example.com`]);
  return mintJwt(keyring, {
    sub, uid: randomInt(1, 2 ** 31), iat: new Date(), exp: pick([null, new Date(Date.now() + 86_400_000)]),
    token_type: pick(['Personal', 'Service'] as const), ...(randomInt(2) ? { scim: true as const } : {}),
  }).token;
}

const ALGS = ['HS256', 'HS384', 'HS512', 'RS256', 'ES256', 'PS256', 'EdDSA', 'none'];
const SIGNATURE_BYTES: Record<string, number> = { HS256: 32, HS384: 48, HS512: 64, RS256: 256, ES256: 64, PS256: 256, EdDSA: 64, none: 0 };

/**
 * A JWT of another issuer: random algorithm, header members and order, claims (an `iss` other
 * than ours, or none), and a signature of the algorithm's size. One in four is a near miss: our
 * exact header with a 32-byte HS256 signature, claims differing only in their issuer or order.
 */
function foreignJwt(): string {
  if (randomInt(4) === 0) {
    const header = b64({ alg: 'HS256', typ: 'JWT', kid: randomText(1, 20) });
    const claims = pick([
      { iss: pick(['https://accounts.google.com', 'gatehouse2', 'Gatehouse', 'gate', randomText(3, 30)]), sub: 'x', jti: randomText(16, 24) },
      { sub: `${randomText(2, 20)}@service`, uid: randomInt(1000), jti: randomText(18, 24), iat: 1_700_000_000, token_type: 'Service' },
      { sub: 'x', iss: 'gatehouse', iat: 1 },
    ]);
    const input = `${header}.${b64(claims)}`;
    return `${input}.${createHmac('sha256', randomBytes(32)).update(input).digest('base64url')}`;
  }
  const alg = pick(ALGS);
  const header: Record<string, unknown> = {};
  for (const [k, v] of [['typ', pick(['JWT', 'at+jwt', 'JOSE'])], ['alg', alg], ['kid', randomText(4, 40)], ['x5t', randomText(20, 27)]] as const) {
    if (k === 'alg' || randomInt(2)) header[k] = v;
  }
  const claims: Record<string, unknown> = {};
  if (randomInt(3)) claims.iss = pick(['https://token.actions.githubusercontent.com', 'https://login.microsoftonline.com/x/v2.0', 'auth0', randomText(3, 40)]);
  claims.sub = randomText(4, 40);
  if (randomInt(2)) claims.aud = randomText(4, 20);
  claims.iat = randomInt(1_500_000_000, 1_900_000_000);
  if (randomInt(2)) claims.exp = randomInt(1_500_000_000, 1_900_000_000);
  const sig = SIGNATURE_BYTES[alg]! > 0 ? randomBytes(SIGNATURE_BYTES[alg]!).toString('base64url') : '';
  return `${b64(header)}.${b64(claims)}.${sig}`;
}

/** Random base64 (standard or url-safe, padded or not), sometimes shaped like three dotted segments. */
function randomBase64(): string {
  const raw = randomBytes(randomInt(16, 600));
  const text = pick([raw.toString('base64'), raw.toString('base64url')]);
  if (randomInt(3) === 0) return `eyJ${text.slice(0, 60)}.eyJ${text.slice(60, 200)}.${text.slice(200, 243)}`;
  return text;
}

describe('TOKEN_PATTERN (SECURITY.md)', () => {
  it('is the regular expression SECURITY.md publishes, character for character', () => {
    const security = readFileSync(new URL('../../../../SECURITY.md', import.meta.url), 'utf8');
    expect(security).toContain(`\n${TOKEN_PATTERN_SOURCE}\n`);
  });

  it('matches every Gatehouse token, whole, wherever it sits in text', () => {
    for (let i = 0; i < 500; i++) {
      const token = gatehouseToken();
      expect(new RegExp(`^${TOKEN_PATTERN_SOURCE}$`).test(token), token).toBe(true);
      const text = pick([`TOKEN=${token}\n`, `"bearer_token": "${token}",`, `Authorization: Bearer ${token}`, `curl -H 'x: ${token}'`, token]);
      expect(matches(text)).toEqual([token]);
    }
  });

  it('matches nothing in a corpus of 10,000 JWTs of other issuers and 10,000 random base64 strings', () => {
    const corpus = [...Array.from({ length: 10_000 }, foreignJwt), ...Array.from({ length: 10_000 }, randomBase64)];
    const found = corpus.filter((s) => matches(s).length > 0 || matches(` ${s} `).length > 0);
    expect(found).toEqual([]);
  });

  it('does not match a token glued to other token characters, nor a truncated one', () => {
    const token = gatehouseToken();
    expect(matches(`x${token}`)).toEqual([]);
    expect(matches(`${token}A`)).toEqual([]);
    expect(matches(token.slice(0, -1))).toEqual([]);
  });

  it('reports line and column of each token found', () => {
    const [a, b] = [gatehouseToken(), gatehouseToken()];
    const found = findTokens(`first line\nconst t = "${a}";\n\n  ${b}\n`);
    expect(found.map(({ line, column }) => ({ line, column }))).toEqual([{ line: 2, column: 12 }, { line: 4, column: 3 }]);
  });
});
