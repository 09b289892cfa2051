import { invalidInput } from '../errors.js';

/**
 * Token scopes (SPEC §11). A token's effective rights are its owner's role ∩ its scopes: roles
 * are checked by the use cases, scopes by the server's auth hook against the scope each route
 * declares. `<resource>:write` includes `<resource>:read`; `read` is every `…:read` (safe
 * methods only).
 */
export const RESOURCES = ['datastores', 'users', 'teams', 'tokens', 'audit'] as const;
export type Resource = (typeof RESOURCES)[number];

/** The scopes a token may be given, in the order the API documents them. */
export const SCOPES = [
  'read',
  'datastores:read', 'datastores:write',
  'users:read', 'users:write',
  'teams:read', 'teams:write',
  'tokens:read', 'tokens:write',
  'audit:read',
] as const;
export type Scope = (typeof SCOPES)[number];

/** What a route needs: one resource scope, or `none` (any token: who am I, introspection, discovery). */
export type RouteScope = Exclude<Scope, 'read'> | 'none';

const isScope = (s: string): s is Scope => (SCOPES as readonly string[]).includes(s);

// One bit per resource scope, so that the per-request check is one AND.
const BIT = new Map<Exclude<Scope, 'read'>, number>(
  SCOPES.filter((s): s is Exclude<Scope, 'read'> => s !== 'read').map((s, i) => [s, 1 << i]),
);
const bit = (s: Exclude<Scope, 'read'>): number => BIT.get(s)!;
const ALL_READS = [...BIT.entries()].filter(([s]) => s.endsWith(':read')).reduce((m, [, b]) => m | b, 0);

/** The bits a token's scopes grant (null = unrestricted: every bit). */
export function scopeMask(scopes: readonly Scope[] | null | undefined): number {
  if (scopes === null || scopes === undefined) return -1;
  let mask = 0;
  for (const s of scopes) mask |= s === 'read' ? ALL_READS : bit(s);
  return mask;
}

/**
 * The bits of which any one satisfies a route (0 = no scope needed): a read is satisfied by the
 * resource's read or write scope.
 */
export function routeScopeMask(scope: RouteScope): number {
  if (scope === 'none') return 0;
  if (scope.endsWith(':read')) {
    const write = `${scope.slice(0, -5)}:write`;
    return bit(scope) | (BIT.has(write as Exclude<Scope, 'read'>) ? bit(write as Exclude<Scope, 'read'>) : 0);
  }
  return bit(scope);
}

/** True when a token with `tokenMask` may call a route needing `routeMask`. */
export const scopeAllows = (tokenMask: number, routeMask: number): boolean => routeMask === 0 || (tokenMask & routeMask) !== 0;

/**
 * Validates the `scopes` of a new token: absent or null = unrestricted; else a non-empty list of
 * known scopes, returned deduplicated in SCOPES order.
 */
export function parseScopes(input: unknown, field = 'scopes'): Scope[] | null {
  if (input === undefined || input === null) return null;
  if (!Array.isArray(input) || input.length === 0) throw invalidInput(field, `must be a non-empty list of: ${SCOPES.join(', ')}`);
  for (const s of input) {
    if (typeof s !== 'string' || !isScope(s)) throw invalidInput(field, `unknown scope ${JSON.stringify(s)}; known: ${SCOPES.join(', ')}`);
  }
  return SCOPES.filter((s) => input.includes(s));
}

/** The scopes as a space-separated string (RFC 6749 §3.3), e.g. for introspection's `scope`. */
export const scopeString = (scopes: readonly Scope[]): string => scopes.join(' ');

/** True when every right of `inner` is also a right of `outer` (a token made by a scoped token stays within it). */
export const scopesWithin = (inner: readonly Scope[] | null, outer: readonly Scope[] | null): boolean => {
  const o = scopeMask(outer);
  const i = scopeMask(inner);
  return (i & ~o) === 0;
};
