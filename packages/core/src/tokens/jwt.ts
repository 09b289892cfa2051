import { createHmac, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { TokenType } from '../model.js';
import type { Keyring, SigningKey } from './keyring.js';

/*
 * HS256 JWTs (RFC 7519 / RFC 7515) written against node:crypto directly: the checks follow
 * RFC 8725 (JWT best current practices) and the order is fixed — header and algorithm, then
 * key, then signature, and only then the claims.
 */

export interface TokenClaims {
  /** `gatehouse`, first in every token minted since SPEC §11, so that the token is recognisable in text (tokens/recognise.ts). */
  iss?: typeof ISSUER;
  sub: string;
  uid: number;
  jti: string;
  iat: number;
  exp?: number;
  token_type: TokenType;
  scim?: true;
}

export type JwtFailure = 'MALFORMED' | 'BAD_ALG' | 'UNKNOWN_KID' | 'BAD_SIGNATURE' | 'BAD_CLAIMS' | 'EXPIRED';

export type JwtVerification =
  | { ok: true; claims: TokenClaims; key: SigningKey }
  | { ok: false; reason: JwtFailure };

/** The `iss` of every token Gatehouse mints. */
export const ISSUER = 'gatehouse';

/** Longest token we look at; ours are about 300 characters. */
export const MAX_TOKEN_LENGTH = 4096;
const SEGMENT = /^[A-Za-z0-9_-]+$/;

const b64json = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function sign(key: KeyObject, signingInput: string): string {
  return createHmac('sha256', key).update(signingInput).digest('base64url');
}

export interface MintedJwt {
  token: string;
  jti: string;
  kid: string;
}

/** Signs a new token with the keyring's signing key. `jti` carries 144 random bits. */
export function mintJwt(
  keyring: Keyring,
  claims: Omit<TokenClaims, 'jti' | 'iat' | 'exp'> & { iat: Date; exp: Date | null },
): MintedJwt {
  const key = keyring.signing;
  const jti = randomBytes(18).toString('base64url');
  // Key order is part of the format: header {alg, typ, kid}, claims starting {"iss":"gatehouse","sub"
  // — the fixed prefixes TOKEN_PATTERN looks for.
  const payload: TokenClaims = {
    iss: ISSUER,
    sub: claims.sub,
    uid: claims.uid,
    jti,
    iat: Math.floor(claims.iat.getTime() / 1000),
    ...(claims.exp ? { exp: Math.floor(claims.exp.getTime() / 1000) } : {}),
    token_type: claims.token_type,
    ...(claims.scim ? { scim: true as const } : {}),
  };
  const input = `${b64json({ alg: 'HS256', typ: 'JWT', kid: key.kid })}.${b64json(payload)}`;
  return { token: `${input}.${sign(key.jwtKey, input)}`, jti, kid: key.kid };
}

/** The header's key if the header is one we would have written (RFC 8725 §3.1: alg pinned). */
export function keyForHeader(keyring: Keyring, headerSegment: string): SigningKey | JwtFailure {
  if (!SEGMENT.test(headerSegment)) return 'MALFORMED';
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(headerSegment, 'base64url').toString('utf8'));
  } catch {
    return 'MALFORMED';
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return 'MALFORMED';
  const h = header as Record<string, unknown>;
  if (h.alg !== 'HS256') return 'BAD_ALG';
  if (h.typ !== undefined && h.typ !== 'JWT') return 'MALFORMED';
  // RFC 7515 §4.1.11: we understand no extension, so any "crit" makes the token invalid.
  if (h.crit !== undefined) return 'MALFORMED';
  // jku, x5u, jwk, x5c are never followed: the only keys are the keyring's.
  if (typeof h.kid !== 'string') return 'UNKNOWN_KID';
  return keyring.get(h.kid) ?? 'UNKNOWN_KID';
}

/** Splits a compact JWS into exactly three non-empty base64url segments. */
export function splitJwt(token: string): [string, string, string] | undefined {
  if (token.length > MAX_TOKEN_LENGTH) return undefined;
  const a = token.indexOf('.');
  const b = token.indexOf('.', a + 1);
  if (a <= 0 || b <= a + 1 || b === token.length - 1 || token.indexOf('.', b + 1) !== -1) return undefined;
  return [token.slice(0, a), token.slice(a + 1, b), token.slice(b + 1)];
}

/** Checks the signature with `key` in constant time, comparing canonical base64url. */
export function signatureMatches(key: SigningKey, token: string): boolean {
  const cut = token.lastIndexOf('.');
  const given = Buffer.from(token.slice(cut + 1));
  const expected = Buffer.from(sign(key.jwtKey, token.slice(0, cut)));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function parseClaims(segment: string): TokenClaims | undefined {
  if (!SEGMENT.test(segment)) return undefined;
  let c: unknown;
  try {
    c = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return undefined;
  const p = c as Record<string, unknown>;
  const ok =
    (p.iss === undefined || p.iss === ISSUER) &&
    typeof p.sub === 'string' &&
    Number.isSafeInteger(p.uid) &&
    typeof p.jti === 'string' &&
    Number.isSafeInteger(p.iat) &&
    (p.exp === undefined || Number.isSafeInteger(p.exp)) &&
    (p.token_type === 'Personal' || p.token_type === 'Service') &&
    (p.scim === undefined || p.scim === true);
  return ok ? (p as unknown as TokenClaims) : undefined;
}

/**
 * Full verification: header, key, signature, then claims and `exp` against `now`.
 * `headerKey` is the key already resolved from this token's header segment, if the caller has it.
 */
export function verifyJwt(keyring: Keyring, token: string, now: Date, headerKey?: SigningKey): JwtVerification {
  const parts = splitJwt(token);
  if (!parts) return { ok: false, reason: 'MALFORMED' };
  const key = headerKey ?? keyForHeader(keyring, parts[0]);
  if (typeof key === 'string') return { ok: false, reason: key };
  if (!SEGMENT.test(parts[2]) || !signatureMatches(key, token)) return { ok: false, reason: 'BAD_SIGNATURE' };
  const claims = parseClaims(parts[1]);
  if (!claims) return { ok: false, reason: 'BAD_CLAIMS' };
  if (claims.exp !== undefined && claims.exp * 1000 <= now.getTime()) return { ok: false, reason: 'EXPIRED' };
  return { ok: true, claims, key };
}

/** HMAC-SHA256(pepper, token), hex: the only form in which a token is stored. */
export function hashToken(key: SigningKey, token: string): string {
  return createHmac('sha256', key.hashKey).update(token).digest('hex');
}
