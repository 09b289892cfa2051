import type { Actor } from '../auth/principal.js';
import { DAY_MS } from '../clock.js';
import { auditEvent, type Deps } from '../deps.js';
import { DomainError, invalidInput, notFound } from '../errors.js';
import { userRefOf, type Token, type TokenType, type User } from '../model.js';
import { normaliseName } from '../names.js';
import { isAdmin, requirePermission, requireTokenManager } from '../policies.js';
import { parseAllowedIps } from '../tokens/ip-allowlist.js';
import { hashToken, mintJwt } from '../tokens/jwt.js';
import { parseScopes, scopesWithin, scopeString, type Scope } from '../tokens/scopes.js';
import { outboxEntry } from '../lifecycle/outbox.js';
import { currentPolicy, maxExpiryFor, ownIdleDaysFor } from '../lifecycle/policy.js';

export interface CreateTokenInput {
  name: string;
  /** The owner: numeric id or `user_id` string; absent = the caller. */
  userId?: number | string;
  /** 1–3650, or null/absent for a token that never expires (if policy allows). */
  expiresInDays?: number | null;
  scimEndpointsOnly?: boolean;
  /** SPEC §11: absent or null = all that the owner's role allows. Validated here (unknown at the edge). */
  scopes?: unknown;
  /** SPEC §11: IPv4/IPv6 CIDRs; absent or null = anywhere. */
  allowedIps?: unknown;
  /** SPEC §9: its own idle limit in days, at most its type's policy; absent or null = the policy's. */
  idleRevokeDays?: number | null;
}

export interface CreatedToken {
  token: Token;
  /** The secret, returned exactly once. */
  bearerToken: string;
}

export const MAX_TOKEN_DAYS = 3650;

/**
 * The expiration of a token created now for `days` days, within `max` (maxExpiryFor: the
 * stricter of the server's setting and the lifecycle policy for the token's type). A refusal
 * names the limit, so that the caller knows which setting to ask an Admin about.
 */
export function expirationFor(
  deps: Pick<Deps, 'clock'>, days: number | null | undefined, max: { days: number | null; limit: string }, field = 'expires_in_days',
): Date | null {
  if (days === null || days === undefined) {
    if (max.days !== null) throw invalidInput(field, `tokens must expire within ${max.days} days by policy (${max.limit})`);
    return null;
  }
  if (!Number.isInteger(days) || days < 1 || days > MAX_TOKEN_DAYS) {
    throw invalidInput(field, `must be an integer from 1 to ${MAX_TOKEN_DAYS}, or null for never`);
  }
  if (max.days !== null && days > max.days) throw invalidInput(field, `must be at most ${max.days} days by policy (${max.limit})`);
  return new Date(deps.clock.now().getTime() + days * DAY_MS);
}

async function resolveOwner(deps: Deps, actor: Actor, userId: number | string | undefined): Promise<User> {
  const caller = actor.principal.user;
  if (userId === undefined || userId === caller.id || userId === caller.userId) return caller;
  const owner =
    typeof userId === 'number' ? await deps.store.users.findById(userId) : await deps.store.users.findByUserId(userId);
  if (!owner) throw notFound('User');
  return owner;
}

/**
 * Creates a token (SPEC §3, POST /api/user-tokens): a Personal token for the calling human, or,
 * for Admins, a Service token for a service account. A token for another human is refused.
 */
export async function createToken(deps: Deps, actor: Actor, input: CreateTokenInput): Promise<CreatedToken> {
  const name = normaliseName(input.name);
  requireTokenManager(actor);
  const owner = await resolveOwner(deps, actor, input.userId);
  const self = owner.id === actor.principal.user.id;
  if (owner.type === 'Human' && !self) {
    throw new DomainError('FORBIDDEN', 'Personal tokens can only be created by their owner');
  }
  const type: TokenType = owner.type === 'Service' ? 'Service' : 'Personal';
  if (type === 'Service') requirePermission(actor, 'manageServiceTokens', 'create service tokens');
  if (!owner.active) throw invalidInput('user_id', 'the user is deactivated');

  const scim = input.scimEndpointsOnly === true;
  if (scim) {
    if (!isAdmin(actor)) throw new DomainError('FORBIDDEN', 'Only Admins may create SCIM administration tokens');
    if (owner.role !== 'Admin') throw invalidInput('scim_endpoints_only', 'a SCIM administration token needs an Admin owner');
  }
  const allowedIps = parseAllowedIps(input.allowedIps, 'allowed_ips');
  // A token made with a scoped token gets no right its maker lacks: it inherits the maker's
  // scopes when none are asked for, and may only narrow them.
  const makerScopes = actor.principal.token?.scopes ?? null;
  const scopes = parseScopes(input.scopes, 'scopes') ?? (makerScopes ? [...makerScopes] : null);
  if (!scopesWithin(scopes, makerScopes)) {
    throw new DomainError('INSUFFICIENT_SCOPE', `A token with scopes ${scopeString(makerScopes ?? [])} cannot create a token with more rights`, 'scopes');
  }
  return issueToken(deps, actor, owner, { name, expiresInDays: input.expiresInDays, scimEndpointsOnly: scim, scopes, allowedIps, idleRevokeDays: input.idleRevokeDays ?? null });
}

/**
 * Mints and stores a token for `owner`, audited as done by `actor` (null: the operator's
 * break-glass command on the server's machine, which answers to no role). Callers decide who
 * may; this only checks the expiration against policy. Its audit event and its `token.created`
 * webhook event are written with it.
 */
export async function issueToken(
  deps: Deps,
  actor: Actor | null,
  owner: User,
  input: {
    name: string; expiresInDays?: number | null | undefined; scimEndpointsOnly?: boolean; scopes?: Scope[] | null; allowedIps?: string[] | null;
    idleRevokeDays?: number | null;
  },
  details: Record<string, unknown> = {},
): Promise<CreatedToken> {
  const name = normaliseName(input.name);
  const type: TokenType = owner.type === 'Service' ? 'Service' : 'Personal';
  const scim = input.scimEndpointsOnly === true;
  const policy = await currentPolicy(deps.store);
  const expiration = expirationFor(deps, input.expiresInDays, maxExpiryFor(deps, policy, type));
  const idleRevokeDays = ownIdleDaysFor(policy, type, input.idleRevokeDays);
  const now = deps.clock.now();
  const minted = mintJwt(deps.keyring, {
    sub: owner.userId,
    uid: owner.id,
    iat: now,
    exp: expiration,
    token_type: type,
    ...(scim ? { scim: true as const } : {}),
  });
  // One atomic write with its audit event (the store's own transaction: issuance is a hot path).
  const token = await deps.store.tokens.create({
    owner: userRefOf(owner),
    name,
    type,
    scimEndpointsOnly: scim,
    expiration,
    created: now,
    createdById: actor?.principal.user.id ?? null,
    tokenHash: hashToken(deps.keyring.signing, minted.token),
    jti: minted.jti,
    kid: minted.kid,
    scopes: input.scopes ?? null,
    allowedIps: input.allowedIps ?? null,
    idleRevokeDays,
  }, (id) => ({ audit: auditEvent(deps, actor, {
    action: 'token.created',
    targetType: 'token',
    targetId: String(id),
    details: { name, type, owner_id: owner.id, scim_endpoints_only: scim, expiration: expiration?.toISOString() ?? null,
      ...(input.scopes ? { scopes: input.scopes } : {}), ...(input.allowedIps ? { allowed_ips: input.allowedIps } : {}),
      ...(idleRevokeDays !== null ? { idle_revoke_days: idleRevokeDays } : {}), ...details },
  }), events: [outboxEntry({ type: 'token.created', data: { token: { id, name, type, expiration: expiration?.toISOString() ?? null, scim_endpoints_only: scim }, user: { id: owner.id, user_id: owner.userId } } }, now)] }));
  deps.onOutboxWritten?.();
  return { token, bearerToken: minted.token };
}
