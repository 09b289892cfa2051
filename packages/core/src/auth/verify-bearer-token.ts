import type { Clock } from '../clock.js';
import type { User } from '../model.js';
import type { TokenAuthRecord, TokenStore, UserStore } from '../ports.js';
import { hash } from 'node:crypto';
import { hashToken, keyForHeader, splitJwt, verifyJwt } from '../tokens/jwt.js';
import type { Keyring, SigningKey } from '../tokens/keyring.js';
import { allowlistOf } from '../tokens/ip-allowlist.js';
import { scopeMask } from '../tokens/scopes.js';
import type { Principal } from './principal.js';
import type { TokenCache } from './token-cache.js';
import type { UsageBuffer } from './usage-buffer.js';

/** Why a bearer credential was refused. MISSING and INVALID_REQUEST are not token failures (RFC 6750 §3.1). */
export type AuthFailureReason =
  | 'MISSING'
  | 'INVALID_REQUEST'
  | 'MALFORMED'
  | 'BAD_ALG'
  | 'UNKNOWN_KID'
  | 'BAD_SIGNATURE'
  | 'BAD_CLAIMS'
  | 'EXPIRED'
  | 'UNKNOWN_TOKEN'
  | 'REVOKED'
  | 'USER_INACTIVE';

export type BearerVerification =
  | { valid: true; principal: Principal }
  | { valid: false; reason: AuthFailureReason };

/** RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token; the scheme is case-insensitive (RFC 9110 §11.1). */
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/** Extracts the token from an Authorization header value. */
export function parseBearerHeader(header: string | undefined): string | { reason: 'MISSING' | 'INVALID_REQUEST' } {
  if (header === undefined || header === '') return { reason: 'MISSING' };
  const m = BEARER.exec(header);
  if (m) return m[1]!;
  // Another scheme (Basic, …) is no bearer credential at all; a broken Bearer one is a bad request.
  return /^bearer(\s|$)/i.test(header) ? { reason: 'INVALID_REQUEST' } : { reason: 'MISSING' };
}

export function principalFromRecord(r: TokenAuthRecord, user: User): Principal {
  return {
    user,
    token: {
      id: r.tokenId,
      name: r.tokenName,
      type: r.type,
      scimEndpointsOnly: r.scimEndpointsOnly,
      expiration: r.expiration,
      scopes: r.scopes ?? null,
      scopeMask: scopeMask(r.scopes),
      allowedIps: r.allowedIps ? allowlistOf(r.allowedIps) : null,
    },
  };
}

/**
 * Refusals no later change can undo: the token itself is broken (its form, algorithm, signature
 * or claims) or past its `exp`. Not UNKNOWN_KID (another node may be signing with a key this
 * one loads later), nor what the store answers (a revoked token can be restored).
 */
const LASTING_REFUSALS = new Set<AuthFailureReason>(['MALFORMED', 'BAD_ALG', 'BAD_SIGNATURE', 'BAD_CLAIMS', 'EXPIRED']);

/** How many lasting refusals are remembered (about 100 bytes each); the oldest go first. */
export const REMEMBERED_REFUSALS = 10_000;

export interface TokenAuthenticatorDeps {
  keyring: Keyring;
  tokens: TokenStore;
  users: Pick<UserStore, 'findById'>;
  clock: Clock;
  cache: TokenCache;
  usage: UsageBuffer;
}

/**
 * Decides whether a bearer token is acceptable (SPEC §2, "Validation of a request").
 *
 * Warm path: header → the token's SHA-256 → cache hit: no signature check and no store access,
 * because only a token that passed both before is ever cached under its hash. Cold path: full JWT
 * verification first, so a bad signature never reaches the store, then the stored record and
 * its user (cached per user: a never-seen token of a known user costs one read).
 *
 * Returns synchronously when it can (cache hit or early refusal), so hot callers avoid a
 * promise per request.
 */
export class TokenAuthenticator {
  /** Header segments seen on valid tokens → their key: all tokens of one key share a header. */
  readonly #headerKeys = new Map<string, SigningKey>();
  /**
   * Lasting refusals by cache key, so that a client retrying a broken token (or a replayed
   * list of them) costs a hash and a lookup, like a cached valid token, not a signature check.
   */
  readonly #refused = new Map<string, BearerVerification & { valid: false }>();

  constructor(private readonly deps: TokenAuthenticatorDeps) {}

  /** Verifies an `Authorization` header value (RFC 6750 §2.1); a use is counted for its client (`ip`, `userAgent`). */
  verify(header: string | undefined, ip: string | null, userAgent: string | null = null): BearerVerification | Promise<BearerVerification> {
    // Warm path: the usual header form and a token already verified (or lastingly refused),
    // found before the header is even parsed.
    let warmToken: string | undefined;
    let tokenKey: string | undefined;
    if (header !== undefined && header.startsWith('Bearer ')) {
      warmToken = header.slice(7);
      tokenKey = hash('sha256', warmToken, 'base64');
      const known = this.#known(tokenKey, ip, userAgent);
      if (known !== undefined) return known;
    }
    const token = parseBearerHeader(header);
    if (typeof token !== 'string') return { valid: false, reason: token.reason };
    // The same key as the warm path's, unless the header had another form ("bearer  x").
    return this.#verifyNew(token, token === warmToken ? tokenKey! : hash('sha256', token, 'base64'), ip, userAgent);
  }

  /** Verifies a token itself, e.g. one a service sends to introspection: the same decision and cache. */
  verifyToken(token: string, ip: string | null): BearerVerification | Promise<BearerVerification> {
    const tokenKey = hash('sha256', token, 'base64');
    return this.#known(tokenKey, ip, null) ?? this.#verifyNew(token, tokenKey, ip, null);
  }

  /**
   * A cached verification or a lasting refusal. Only tokens that passed every check are ever
   * cached, so a hit needs neither the parse nor the signature. The cache key is a plain SHA-256
   * of the token (a third of an HMAC's cost); the store's key is the peppered HMAC, computed
   * only on a miss.
   */
  #known(tokenKey: string, ip: string | null, userAgent: string | null): BearerVerification | undefined {
    const nowMs = this.deps.clock.nowMs();
    const cached = this.deps.cache.get(tokenKey, nowMs);
    if (cached) {
      this.deps.usage.record(cached.token!.id, nowMs, ip, userAgent);
      return { valid: true, principal: cached };
    }
    return this.#refused.get(tokenKey);
  }

  #verifyNew(token: string, tokenKey: string, ip: string | null, userAgent: string | null): BearerVerification | Promise<BearerVerification> {
    const { clock, cache, keyring } = this.deps;
    const parts = splitJwt(token);
    if (!parts) return this.#refuse(tokenKey, 'MALFORMED');
    let key = this.#headerKeys.get(parts[0]);
    if (key === undefined) {
      const found = keyForHeader(keyring, parts[0]);
      if (typeof found === 'string') return this.#refuse(tokenKey, found);
      key = found;
    }
    const jwt = verifyJwt(keyring, token, new Date(clock.nowMs()), key);
    if (!jwt.ok) return this.#refuse(tokenKey, jwt.reason);
    if (this.#headerKeys.size < 64) this.#headerKeys.set(parts[0], jwt.key);
    return this.#lookup(hashToken(jwt.key, token), tokenKey, ip, userAgent, cache.epoch);
  }

  #refuse(cacheKey: string, reason: AuthFailureReason): BearerVerification {
    const refusal = { valid: false as const, reason };
    if (LASTING_REFUSALS.has(reason)) {
      if (this.#refused.size >= REMEMBERED_REFUSALS) this.#refused.delete(this.#refused.keys().next().value!);
      this.#refused.set(cacheKey, refusal);
    }
    return refusal;
  }

  async #lookup(storeHash: string, cacheKey: string, ip: string | null, userAgent: string | null, epoch: number): Promise<BearerVerification> {
    const { tokens, users, clock, cache, usage } = this.deps;
    const record = await tokens.findAuthRecordByHash(storeHash);
    let nowMs = clock.nowMs();
    if (!record) return { valid: false, reason: 'UNKNOWN_TOKEN' };
    if (record.revokedAt !== null) return { valid: false, reason: 'REVOKED' };
    if (record.expiration !== null && record.expiration.getTime() <= nowMs) return { valid: false, reason: 'EXPIRED' };
    let user = cache.user(record.userId, nowMs);
    if (user === undefined) {
      user = await users.findById(record.userId);
      nowMs = clock.nowMs();
      // Gone between the two reads (deleted with its tokens): as if the token had not been found.
      if (user === undefined) return { valid: false, reason: 'UNKNOWN_TOKEN' };
      cache.setUser(user, nowMs, epoch);
    }
    if (!user.active) return { valid: false, reason: 'USER_INACTIVE' };
    const principal = principalFromRecord(record, user);
    cache.set(cacheKey, principal, nowMs, epoch);
    usage.record(record.tokenId, nowMs, ip, userAgent);
    return { valid: true, principal };
  }
}
