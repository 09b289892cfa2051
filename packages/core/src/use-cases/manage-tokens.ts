import type { Actor } from '../auth/principal.js';
import { commitChange, type Change } from '../change.js';
import { DAY_MS } from '../clock.js';
import type { Deps } from '../deps.js';
import { DomainError, invalidInput, notFound } from '../errors.js';
import type { RevokeReason, Token } from '../model.js';
import { canSeeToken, requirePermission, requireTokenAction } from '../policies.js';
import type { StoreTransaction, TokenPatch, TokenQuery, TokenSort, TokenStore } from '../ports.js';
import type { ListPage, ListRequest, Seek } from '../listing.js';
import { parseAllowedIps } from '../tokens/ip-allowlist.js';
import { hashToken, mintJwt } from '../tokens/jwt.js';
import { expirationFor, type CreatedToken } from './create-token.js';
import { normaliseName } from '../names.js';
import { currentPolicy, maxExpiryFor, ownIdleDaysFor } from '../lifecycle/policy.js';

/** One token the actor may see (owner or Admin), else NOT_FOUND. */
export async function getToken(deps: Deps, actor: Actor, id: number): Promise<Token> {
  return visibleToken(deps.store, actor, id);
}

async function visibleToken(store: Pick<StoreTransaction, 'tokens'>, actor: Actor, id: number): Promise<Token> {
  const token = await store.tokens.findById(id);
  if (!token || !canSeeToken(actor, token)) throw notFound('Token');
  return token;
}

/** Which tokens a list shows: the caller's own, every service token (Admin), or both (Admin). */
export type TokenListScope = 'own' | 'service' | 'all';

export interface TokenListInput extends ListRequest<TokenSort> {
  scope: TokenListScope;
  /** With `service`: the tokens of this service account only. */
  serviceAccountId?: number;
  search?: string;
}

function tokenQuery(actor: Actor, input: Omit<TokenListInput, keyof ListRequest>): Omit<TokenQuery, keyof ListRequest> {
  const me = actor.principal.user.id;
  const search = input.search ? { search: input.search } : {};
  if (input.scope === 'own') return { scope: { ownerId: me }, ...search };
  requirePermission(actor, 'manageServiceTokens', 'list service tokens');
  if (input.scope === 'all') return { scope: { ownOrServiceOf: me }, ...search };
  return { scope: { service: true, ...(input.serviceAccountId !== undefined ? { ownerId: input.serviceAccountId } : {}) }, ...search };
}

/** A page of the tokens the actor may list (SPEC §3; service tokens: Admin). */
export function listTokens(deps: Deps, actor: Actor, input: TokenListInput): Promise<ListPage<Token>> {
  const { limit, seek, sort, ...filter } = input;
  return deps.store.tokens.list({ ...tokenQuery(actor, filter), limit, ...(seek ? { seek } : {}), ...(sort ? { sort } : {}) });
}

/**
 * Every token of a list in id order, a page of `batch` at a time read from a keyset cursor, so
 * that memory stays flat whatever the count (the reference API's unpaged arrays). The permission
 * is checked here, before the first page is read.
 */
export function tokenBatches(deps: Deps, actor: Actor, input: Omit<TokenListInput, keyof ListRequest>, batch = 1000): AsyncIterable<Token[]> {
  const query = tokenQuery(actor, input);
  return {
    async *[Symbol.asyncIterator]() {
      let seek: Seek = { offset: 0 };
      for (;;) {
        const page = await deps.store.tokens.list({ ...query, limit: batch, seek, sort: { by: 'id', desc: false }, total: false });
        if (page.items.length > 0) yield page.items;
        if (!page.next) return;
        seek = { after: page.next };
      }
    },
  };
}

/**
 * Every token of one user, in id order, read a keyset page at a time (a person holds a handful;
 * a service account may hold thousands). For changes that act on all of them.
 */
export async function tokensOfUser(tokens: Pick<TokenStore, 'list'>, userId: number): Promise<Token[]> {
  const all: Token[] = [];
  let seek: Seek = { offset: 0 };
  for (;;) {
    const page = await tokens.list({ scope: { ownerId: userId }, limit: 1000, seek, sort: { by: 'id', desc: false }, total: false });
    all.push(...page.items);
    if (!page.next) return all;
    seek = { after: page.next };
  }
}

const targetOf = (t: Token) => ({ targetType: 'token', targetId: String(t.id) });

/** A token as webhook events describe it (never its secret). */
export const tokenData = (t: Token) => ({
  token: { id: t.id, name: t.name, type: t.type, expiration: t.expiration?.toISOString() ?? null, last_used: t.lastUsed?.toISOString() ?? null },
  user: { id: t.user.id, user_id: t.user.userId },
});

/** `owner` when the owner revokes their own token, else `admin`. */
const reasonFor = (actor: Actor, token: Token): RevokeReason => (token.user.id === actor.principal.user.id ? 'owner' : 'admin');

export interface UpdateTokenInput {
  name?: string;
  /** true revokes, false restores. */
  revoke?: boolean;
  /** SPEC §11: replaces the token's IP allowlist (null = anywhere); unknown until validated here. */
  allowedIps?: unknown;
  /** SPEC §9: replaces the token's own idle limit (null = its type's policy alone); at most the policy's. */
  idleRevokeDays?: number | null;
}

/**
 * PUT /api/user-tokens/{id}: rename, revoke or restore, or rename and revoke/restore together —
 * one write, one audit event per action, one publication. Revocation is idempotent, and so is
 * restoring an active token. Who may do what: `requireTokenAction` (SPEC §7).
 */
export async function updateToken(deps: Deps, actor: Actor, id: number, input: UpdateTokenInput): Promise<Token> {
  if (input.name === undefined && input.revoke === undefined && input.allowedIps === undefined && input.idleRevokeDays === undefined) {
    throw invalidInput('revoke', 'give "revoke" (true or false), "name", "allowed_ips" or "idle_revoke_days"');
  }
  const name = input.name !== undefined ? normaliseName(input.name) : undefined;
  const allowedIps = input.allowedIps !== undefined ? parseAllowedIps(input.allowedIps, 'allowed_ips') : undefined;
  return commitChange(deps, actor, async ({ tx, audit, publish, emit }) => {
    const token = await visibleToken(tx, actor, id);
    const patch: TokenPatch = {};
    if (name !== undefined) {
      requireTokenAction(actor, token, 'rename');
      if (name !== token.name) {
        patch.name = name;
        audit({ action: 'token.renamed', ...targetOf(token), details: { from: token.name, to: name } });
      }
    }
    if (allowedIps !== undefined) {
      // Narrowing or widening where a token works is the owner's (or an Admin's) to decide, like its name.
      requireTokenAction(actor, token, 'rename');
      if (JSON.stringify(allowedIps) !== JSON.stringify(token.allowedIps ?? null)) {
        patch.allowedIps = allowedIps;
        audit({ action: 'token.restricted', ...targetOf(token), details: { name: token.name, allowed_ips: allowedIps } });
      }
    }
    if (input.idleRevokeDays !== undefined) {
      // Like the allowlist: the owner's (or an Admin's) to set, within the policy read in this change.
      requireTokenAction(actor, token, 'rename');
      const days = ownIdleDaysFor(await currentPolicy(tx), token.type, input.idleRevokeDays);
      if (days !== (token.idleRevokeDays ?? null)) {
        patch.idleRevokeDays = days;
        audit({ action: 'token.idle_limit_set', ...targetOf(token), details: { name: token.name, idle_revoke_days: days, before: token.idleRevokeDays ?? null } });
      }
    }
    if (input.revoke === true) {
      requireTokenAction(actor, token, 'revoke');
      if (token.revokedAt === null) {
        const reason = reasonFor(actor, token);
        patch.revocation = { at: deps.clock.now(), byId: actor.principal.user.id, reason };
        audit({ action: 'token.revoked', ...targetOf(token), details: { name: token.name, reason } });
        emit({ type: 'token.revoked', data: { ...tokenData(token), reason } });
      }
    }
    if (input.revoke === false) {
      // Restoring an active token changes nothing; it asks no more than revoking it would.
      requireTokenAction(actor, token, token.revokedAt === null ? 'revoke' : 'restore');
      if (token.revokedAt !== null) {
        patch.revocation = null;
        audit({ action: 'token.restored', ...targetOf(token), details: { name: token.name, revoke_reason: token.revokeReason } });
        emit({ type: 'token.restored', data: tokenData(token) });
      }
    }
    if (patch.name === undefined && patch.revocation === undefined && patch.allowedIps === undefined && patch.idleRevokeDays === undefined) return token;
    publish({ kind: 'token', tokenId: id });
    return tx.tokens.update(id, patch);
  });
}

/** Revokes at once (SPEC §2): every node has dropped the token before this resolves. Idempotent. */
export function revokeToken(deps: Deps, actor: Actor, id: number): Promise<Token> {
  return updateToken(deps, actor, id, { revoke: true });
}

/** Re-activates a revoked token: the owner only what they revoked themselves, else an Admin. */
export function restoreToken(deps: Deps, actor: Actor, id: number): Promise<Token> {
  return updateToken(deps, actor, id, { revoke: false });
}

export function renameToken(deps: Deps, actor: Actor, id: number, name: string): Promise<Token> {
  return updateToken(deps, actor, id, { name });
}

/** Deletes a revoked token; an active one must be revoked first (409). */
export async function deleteToken(deps: Deps, actor: Actor, id: number): Promise<void> {
  await commitChange(deps, actor, async ({ tx, audit, publish, emit }) => {
    const token = await visibleToken(tx, actor, id);
    requireTokenAction(actor, token, 'delete');
    if (token.revokedAt === null) throw new DomainError('TOKEN_ACTIVE', 'The token is active: revoke it first, then delete it');
    await tx.tokens.delete(id);
    audit({ action: 'token.deleted', ...targetOf(token), details: { name: token.name } });
    emit({ type: 'token.deleted', data: tokenData(token) });
    publish({ kind: 'token', tokenId: id });
  });
}

/** The lifetime a rotated token keeps when none is given: its original one, in whole days. */
export function originalLifetimeDays(token: Pick<Token, 'created' | 'expiration'>): number | null {
  return token.expiration === null ? null : Math.max(1, Math.round((token.expiration.getTime() - token.created.getTime()) / DAY_MS));
}

export interface RotateInput {
  expiresInDays?: number | null;
  /** 0–168: how long the previous secret keeps working (SPEC §9); 0 or absent = it stops at once. */
  graceHours?: number;
}

export const MAX_GRACE_HOURS = 168;

/**
 * Issues a new secret for an active token. The old one stops at once, or with `graceHours`
 * keeps working until `previous_secret_expires_at` (on every node: it is the old secret's
 * expiration wherever it is checked). The new expiration is `expiresInDays` from now if given,
 * else the token's original lifetime from now, within policy either way.
 */
export async function rotateToken(deps: Deps, actor: Actor, id: number, input: RotateInput): Promise<CreatedToken> {
  return commitChange(deps, actor, async (change) => {
    const token = await visibleToken(change.tx, actor, id);
    requireTokenAction(actor, token, 'rotate');
    return rotateInside(deps, change, token, input);
  });
}

/**
 * POST /api/user-tokens/self/rotate: the token that authenticates the call rotates itself — the
 * one thing a service account's credential may do to a token (SPEC §7), so that automation can
 * renew its own credential within policy.
 */
export async function rotateOwnToken(deps: Deps, actor: Actor, input: RotateInput): Promise<CreatedToken> {
  const own = actor.principal.token;
  if (!own) throw new DomainError('FORBIDDEN', 'Only a token can rotate itself: call this with the token to rotate (Authorization: Bearer …)');
  return commitChange(deps, actor, async (change) => {
    const token = await change.tx.tokens.findById(own.id);
    if (!token) throw notFound('Token');
    return rotateInside(deps, change, token, input);
  });
}

async function rotateInside(deps: Deps, { tx, audit, publish, emit }: Change, token: Token, input: RotateInput): Promise<CreatedToken> {
  if (token.revokedAt !== null) throw new DomainError('TOKEN_REVOKED', 'A revoked token cannot be rotated: restore it first');
  const graceHours = input.graceHours ?? 0;
  if (!Number.isInteger(graceHours) || graceHours < 0 || graceHours > MAX_GRACE_HOURS) {
    throw invalidInput('grace_hours', `must be an integer from 0 to ${MAX_GRACE_HOURS}`);
  }
  const max = maxExpiryFor(deps, await currentPolicy(tx), token.type);
  const expiration = expirationFor(deps, input.expiresInDays !== undefined ? input.expiresInDays : originalLifetimeDays(token), max);
  const now = deps.clock.now();
  const minted = mintJwt(deps.keyring, {
    sub: token.user.userId,
    uid: token.user.id,
    iat: now,
    exp: expiration,
    token_type: token.type,
    ...(token.scimEndpointsOnly ? { scim: true as const } : {}),
  });
  // The previous secret never outlives the token's own (old) expiration.
  let previousUntil: Date | null = graceHours > 0 ? new Date(now.getTime() + graceHours * 3_600_000) : null;
  if (previousUntil && token.expiration && token.expiration < previousUntil) previousUntil = token.expiration;
  const rotated = await tx.tokens.replaceSecret(token.id, {
    tokenHash: hashToken(deps.keyring.signing, minted.token),
    jti: minted.jti,
    kid: minted.kid,
    expiration,
    previousUntil,
  });
  const previous = previousUntil?.toISOString() ?? null;
  audit({ action: 'token.rotated', ...targetOf(token), details: { name: token.name, expiration: expiration?.toISOString() ?? null, grace_hours: graceHours, previous_secret_expires_at: previous } });
  emit({ type: 'token.rotated', data: { ...tokenData(rotated), previous_secret_expires_at: previous } });
  publish({ kind: 'token', tokenId: token.id });
  return { token: { ...rotated, previousSecretExpiresAt: previousUntil }, bearerToken: minted.token };
}
