import type { Actor } from '../auth/principal.js';
import { audit, type Deps } from '../deps.js';
import { DomainError, notFound } from '../errors.js';
import type { Token } from '../model.js';
import { canSeeToken, requirePermission } from '../policies.js';
import { hashToken, mintJwt } from '../tokens/jwt.js';
import { expirationFor, type CreatedToken } from './create-token.js';
import { normaliseName } from '../names.js';
import { DAY_MS } from '../clock.js';

/** One token the actor may see (owner or Admin), else NOT_FOUND. */
export async function getToken(deps: Deps, actor: Actor, id: number): Promise<Token> {
  const token = await deps.store.tokens.findById(id);
  if (!token || !canSeeToken(actor, token)) throw notFound('Token');
  return token;
}

export function listOwnTokens(deps: Deps, actor: Actor): Promise<Token[]> {
  return deps.store.tokens.listByUser(actor.principal.user.id);
}

export function listServiceTokens(deps: Deps, actor: Actor, filter: { userId?: number }): Promise<Token[]> {
  requirePermission(actor, 'manageServiceTokens', 'list service tokens');
  return deps.store.tokens.listService(filter);
}

const targetOf = (t: Token) => ({ targetType: 'token', targetId: String(t.id) });

/** Revokes at once (SPEC §2): the change is published before this resolves. Idempotent. */
export async function revokeToken(deps: Deps, actor: Actor, id: number): Promise<Token> {
  const token = await getToken(deps, actor, id);
  if (token.revokedAt !== null) return token;
  const revoked = await deps.store.tokens.setRevoked(id, deps.clock.now());
  await deps.changes.publish({ kind: 'token', tokenId: id });
  await audit(deps, actor, { action: 'token.revoked', ...targetOf(token), details: { name: token.name } });
  return revoked;
}

/** Re-activates a revoked token. Idempotent. */
export async function restoreToken(deps: Deps, actor: Actor, id: number): Promise<Token> {
  const token = await getToken(deps, actor, id);
  if (token.revokedAt === null) return token;
  const restored = await deps.store.tokens.setRevoked(id, null);
  await deps.changes.publish({ kind: 'token', tokenId: id });
  await audit(deps, actor, { action: 'token.restored', ...targetOf(token), details: { name: token.name } });
  return restored;
}

export async function renameToken(deps: Deps, actor: Actor, id: number, newName: string): Promise<Token> {
  const token = await getToken(deps, actor, id);
  const name = normaliseName(newName);
  if (name === token.name) return token;
  const renamed = await deps.store.tokens.rename(id, name);
  await deps.changes.publish({ kind: 'token', tokenId: id });
  await audit(deps, actor, { action: 'token.renamed', ...targetOf(token), details: { from: token.name, to: name } });
  return renamed;
}

/** Deletes a revoked token; an active one must be revoked first (409). */
export async function deleteToken(deps: Deps, actor: Actor, id: number): Promise<void> {
  const token = await getToken(deps, actor, id);
  if (token.revokedAt === null) {
    throw new DomainError('TOKEN_ACTIVE', 'The token is active: revoke it first, then delete it');
  }
  await deps.store.tokens.delete(id);
  await deps.changes.publish({ kind: 'token', tokenId: id });
  await audit(deps, actor, { action: 'token.deleted', ...targetOf(token), details: { name: token.name } });
}

/**
 * Issues a new secret for an active token; the old one stops at once. The new expiration is
 * `expiresInDays` from now if given, else the token's original lifetime from now.
 */
export async function rotateToken(
  deps: Deps,
  actor: Actor,
  id: number,
  input: { expiresInDays?: number | null },
): Promise<CreatedToken> {
  const token = await getToken(deps, actor, id);
  if (token.revokedAt !== null) throw new DomainError('TOKEN_REVOKED', 'A revoked token cannot be rotated: restore it first');
  const lifetimeDays =
    token.expiration === null ? null : Math.max(1, Math.round((token.expiration.getTime() - token.created.getTime()) / DAY_MS));
  const expiration = expirationFor(deps, input.expiresInDays !== undefined ? input.expiresInDays : lifetimeDays);
  const now = deps.clock.now();
  const minted = mintJwt(deps.keyring, {
    sub: token.user.userId,
    uid: token.user.id,
    iat: now,
    exp: expiration,
    token_type: token.type,
    ...(token.scimEndpointsOnly ? { scim: true as const } : {}),
  });
  const rotated = await deps.store.tokens.replaceSecret(id, {
    tokenHash: hashToken(deps.keyring.signing, minted.token),
    jti: minted.jti,
    kid: minted.kid,
    expiration,
  });
  await deps.changes.publish({ kind: 'token', tokenId: id });
  await audit(deps, actor, { action: 'token.rotated', ...targetOf(token), details: { name: token.name } });
  return { token: rotated, bearerToken: minted.token };
}
