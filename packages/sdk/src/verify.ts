import { createHash } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { baseUrlOf } from './client.js';
import { roleAtLeast, type Role } from './roles.js';
import type { Introspection, TokenType, UserType } from './types.js';

/** Who called the protected service, as Gatehouse knows them now (not from token claims). */
export interface GatehousePrincipal {
  /** The owner's user_id (e-mail, or `<slug>@service`). */
  sub: string;
  /** The owner's numeric id. */
  uid: number;
  userType: UserType;
  name: string;
  role: Role;
  teams: string[];
  tokenId: number;
  tokenType: TokenType;
  /**
   * The token's scopes, space-separated (SPEC §11: e.g. "datastores:read teams:read"); "api"
   * (or "scim" for SCIM administration tokens) when unrestricted.
   */
  scope: string;
  /** Expiry, seconds since the epoch; undefined = never. */
  exp: number | undefined;
  /** The token's IP allowlist (CIDRs, SPEC §11), enforced by the verifier; undefined = any address. */
  allowedIps?: string[];
}

/** Why a request is refused, with the status a service should answer. */
export type VerifyFailure =
  | { valid: false; reason: 'MISSING' | 'MALFORMED' | 'INACTIVE'; status: 401; detail: string }
  | { valid: false; reason: 'SCIM_TOKEN' | 'ROLE' | 'IP_NOT_ALLOWED'; status: 403; detail: string }
  | { valid: false; reason: 'SCOPE'; status: 403; detail: string; scope: string }
  | { valid: false; reason: 'UNAVAILABLE'; status: 503; detail: string };

/** A failed verification is a value, not an exception (only broken configuration throws). */
export type VerifyResult = { valid: true; principal: GatehousePrincipal } | VerifyFailure;

export interface VerifierOptions {
  /** The Gatehouse server, e.g. https://gatehouse.example.com. */
  url: string;
  /** This service's own credential for POST /api/introspect: a token of a Manager (or Admin) service account. */
  token: string;
  /** How long a positive answer is reused, default 5000 ms; never past the token's `exp`. 0 disables the cache. */
  cacheTtlMs?: number;
  /** Cache bound (least recently used first out), default 1000 tokens. */
  cacheMaxEntries?: number;
  /** Per introspection call, default 5000 ms; past it the request is refused with 503 (fail closed). */
  timeoutMs?: number;
  /** Least role required of the caller (SPEC §1: Member < Editor < Manager < Admin). */
  minRole?: Role;
  /** Accept SCIM administration tokens (default false: they are for SCIM endpoints only). */
  allowScim?: boolean;
  /**
   * The scope a caller's token must grant (SPEC §11), e.g. "datastores:read": a scoped token
   * without it is refused with 403 (`…:write` grants `…:read`; `read` grants every `…:read`).
   * Unrestricted tokens pass (their role still counts: see minRole).
   */
  scope?: string;
  fetch?: typeof fetch;
  /** Epoch ms; injected by tests. */
  now?: () => number;
}

/** RFC 6750 §2.1 b64token. */
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

interface Entry {
  principal: GatehousePrincipal;
  /** The allowlist, parsed once per introspection; null = any address. */
  fence: BlockList | null;
  validUntil: number;
}

/** A token's allowlist as a BlockList; an entry this SDK cannot read makes an empty list (fail closed). */
function fenceOf(cidrs: string[] | undefined): BlockList | null {
  if (!cidrs) return null;
  const fence = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', bits] = cidr.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    try {
      fence.addSubnet(address, bits === undefined ? (type === 'ipv6' ? 128 : 32) : Number(bits), type);
    } catch {
      // Skipped: the address matches no entry it cannot read.
    }
  }
  return fence;
}

/** Whether `ip` (as a socket reports it: IPv4 peers of a dual-stack socket as ::ffff:a.b.c.d) is inside the fence. */
function inside(fence: BlockList, ip: string): boolean {
  const address = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip)?.[1] ?? ip;
  const kind = isIP(address);
  return kind !== 0 && fence.check(address, kind === 6 ? 'ipv6' : 'ipv4');
}

export interface Verifier {
  /**
   * Checks an Authorization header value (`Bearer …`). `clientIp` is the address the request came
   * from: a token with an IP allowlist is refused (403 IP_NOT_ALLOWED) from any other, or when it
   * is not given.
   */
  verify(authorization: string | undefined, opts?: { clientIp?: string }): Promise<VerifyResult>;
  /** Drops a token from the cache, e.g. after this service learns it was revoked. */
  invalidate(token: string): void;
  clear(): void;
  readonly cacheSize: number;
}

/** Whether a token's scopes (introspection's `scope`) grant `needed` (SPEC §11). */
export function scopeGrants(tokenScope: string, needed: string): boolean {
  if (tokenScope === 'api' || tokenScope === 'scim') return true;
  const have = tokenScope.split(' ');
  if (have.includes(needed)) return true;
  if (!needed.endsWith(':read')) return false;
  return have.includes('read') || have.includes(`${needed.slice(0, -5)}:write`);
}

const keyOf = (token: string): string => createHash('sha256').update(token).digest('base64url');

function toPrincipal(i: Introspection): GatehousePrincipal | undefined {
  if (!i.active || typeof i.sub !== 'string' || typeof i.uid !== 'number' || typeof i.token_id !== 'number' || !i.role) return undefined;
  return {
    sub: i.sub,
    uid: i.uid,
    userType: i.user_type ?? 'Human',
    name: i.name ?? i.sub,
    role: i.role,
    teams: i.teams ?? [],
    tokenId: i.token_id,
    tokenType: i.token_type ?? 'Personal',
    scope: i.scope ?? 'api',
    exp: i.exp,
    ...(i.allowed_ips ? { allowedIps: i.allowed_ips } : {}),
  };
}

/**
 * A token verifier for a service that accepts Gatehouse tokens: it asks Gatehouse
 * (POST /api/introspect) and caches positive answers briefly, so a busy service does not
 * call Gatehouse on every request. A revocation therefore reaches this service within
 * `cacheTtlMs` (or at once through `invalidate`). Negative answers are never cached, and
 * concurrent checks of one token share one call.
 *
 * @example
 * const verifier = createVerifier({ url: 'https://gatehouse.example.com', token: process.env.GATEHOUSE_INTROSPECT_TOKEN! });
 * const result = await verifier.verify(req.headers.authorization);
 * if (!result.valid) return respond(result.status, result.detail);
 */
export function createVerifier(opts: VerifierOptions): Verifier {
  const base = baseUrlOf(opts.url);
  if (!/^https?:\/\/[^/]/.test(base)) throw new TypeError(`url must be http(s)://…, got "${opts.url}"`);
  if (!opts.token) throw new TypeError('token (the introspection credential) is required');
  const ttl = opts.cacheTtlMs ?? 5000;
  const max = opts.cacheMaxEntries ?? 1000;
  const now = opts.now ?? Date.now;
  const doFetch = opts.fetch ?? globalThis.fetch;
  const cache = new Map<string, Entry>();
  // What Gatehouse answered for a token, shared by concurrent checks; each then admits its own request.
  const inFlight = new Map<string, Promise<Entry | VerifyFailure>>();

  const admit = ({ principal, fence }: Entry, clientIp: string | undefined): VerifyResult => {
    // First, as Gatehouse does: a token used from elsewhere learns nothing more about itself.
    if (fence && (clientIp === undefined || !inside(fence, clientIp))) {
      return { valid: false, reason: 'IP_NOT_ALLOWED', status: 403, detail: 'This token may not be used from this address (its IP allowlist)' };
    }
    if (principal.scope === 'scim' && !opts.allowScim) {
      return { valid: false, reason: 'SCIM_TOKEN', status: 403, detail: 'SCIM administration tokens are not accepted here' };
    }
    if (opts.minRole && !roleAtLeast(principal.role, opts.minRole)) {
      return { valid: false, reason: 'ROLE', status: 403, detail: `This needs the role ${opts.minRole} or higher (yours: ${principal.role})` };
    }
    if (opts.scope && !scopeGrants(principal.scope, opts.scope)) {
      return { valid: false, reason: 'SCOPE', status: 403, detail: `This token's scopes do not include ${opts.scope}`, scope: opts.scope };
    }
    return { valid: true, principal };
  };

  const introspect = async (token: string, key: string, clientIp: string | undefined): Promise<Entry | VerifyFailure> => {
    let res: Response;
    try {
      res = await doFetch(`${base}/api/introspect`, {
        method: 'POST',
        headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ token, ...(clientIp ? { client_ip: clientIp } : {}) }),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 5000),
      });
    } catch (e) {
      return { valid: false, reason: 'UNAVAILABLE', status: 503, detail: `Cannot reach Gatehouse to check the token: ${(e as Error).message}` };
    }
    if (!res.ok) {
      const body = await res.text().catch(() => '');
      // 401/403 here are about this service's own credential: a configuration problem, not the caller's.
      return { valid: false, reason: 'UNAVAILABLE', status: 503, detail: `Gatehouse refused the introspection (${res.status}): ${body.slice(0, 200)}` };
    }
    const principal = toPrincipal((await res.json()) as Introspection);
    if (!principal) return { valid: false, reason: 'INACTIVE', status: 401, detail: 'The token is invalid, expired or revoked' };
    const t = now();
    const entry: Entry = { principal, fence: fenceOf(principal.allowedIps), validUntil: Math.min(t + ttl, principal.exp !== undefined ? principal.exp * 1000 : Infinity) };
    if (ttl > 0 && entry.validUntil > t) {
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
      cache.set(key, entry);
    }
    return entry;
  };

  return {
    async verify(authorization, { clientIp } = {}) {
      if (authorization === undefined || authorization === '') {
        return { valid: false, reason: 'MISSING', status: 401, detail: 'Authentication required: send Authorization: Bearer <token>' };
      }
      const m = BEARER.exec(authorization);
      if (!m || m[1]!.length > 4096) return { valid: false, reason: 'MALFORMED', status: 401, detail: 'Expected "Authorization: Bearer <token>"' };
      const token = m[1]!;
      const key = keyOf(token);
      const hit = cache.get(key);
      if (hit) {
        if (hit.validUntil > now()) {
          // Least recently used goes first: move to the end.
          cache.delete(key);
          cache.set(key, hit);
          return admit(hit, clientIp);
        }
        cache.delete(key);
      }
      let pending = inFlight.get(key);
      if (!pending) {
        pending = introspect(token, key, clientIp).finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      const answer = await pending;
      return 'valid' in answer ? answer : admit(answer, clientIp);
    },
    invalidate(token) {
      cache.delete(keyOf(token));
    },
    clear() {
      cache.clear();
    },
    get cacheSize() {
      return cache.size;
    },
  };
}

const shared = new Map<string, Verifier>();

/**
 * The framework-free check: takes the Authorization header string. Reuses one verifier (and
 * its cache) per server URL and credential.
 *
 * @example
 * const r = await verifyToken(request.headers.get('authorization') ?? undefined, { url, token });
 */
export function verifyToken(authorization: string | undefined, opts: VerifierOptions & { clientIp?: string }): Promise<VerifyResult> {
  const id = `${baseUrlOf(opts.url)}\0${keyOf(opts.token)}\0${opts.minRole ?? ''}\0${opts.allowScim ? 1 : 0}\0${opts.scope ?? ''}`;
  let v = shared.get(id);
  if (!v) shared.set(id, (v = createVerifier(opts)));
  return v.verify(authorization, opts.clientIp === undefined ? {} : { clientIp: opts.clientIp });
}
