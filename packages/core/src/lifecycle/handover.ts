import type { Actor } from '../auth/principal.js';
import { commitChange } from '../change.js';
import { DAY_MS } from '../clock.js';
import type { Deps } from '../deps.js';
import { DomainError, invalidInput, notFound } from '../errors.js';
import { userRefOf, type Token, type User } from '../model.js';
import { requirePermission } from '../policies.js';
import { hashToken, mintJwt } from '../tokens/jwt.js';
import { routeScopeMask, scopeAllows, scopeMask, scopesWithin, scopeString } from '../tokens/scopes.js';
import { createServiceAccount, type CreateServiceAccountInput } from '../use-cases/manage-users.js';
import type { CreatedToken } from '../use-cases/create-token.js';
import { tokensOfUser } from '../use-cases/manage-tokens.js';
import { IN_USE_DAYS } from './departure.js';
import { handoverMail, ownersOfAccount } from './mail.js';
import { currentPolicy, maxExpiryFor } from './policy.js';

/*
 * Owner departure (SPEC §9): the automation a departed person ran on their own tokens is moved
 * onto a service account — one Service token per token of theirs in use in the last 30 days,
 * same name, the same expiry within policy — in one change, the new secrets returned once.
 */

/** A departing person's token in use, as the handover lists it. */
export interface HandoverCandidate {
  token: Token;
  /** What used it last (the last client seen). */
  clients: Array<{ ip: string; lastSeen: Date | null }>;
}

async function personInside(store: Pick<Deps['store'], 'users'>, id: number): Promise<User> {
  const user = await store.users.findById(id);
  if (!user) throw notFound('User');
  if (user.type !== 'Human') throw invalidInput('id', 'a handover moves the tokens of a person, not of a service account');
  return user;
}

/** The person's tokens used in the last 30 days and not expired: the automation to move. */
function candidatesOf(tokens: readonly Token[], now: Date): HandoverCandidate[] {
  const since = now.getTime() - IN_USE_DAYS * DAY_MS;
  return tokens
    .filter((t) => t.lastUsed !== null && t.lastUsed.getTime() >= since && (t.expiration === null || t.expiration > now) && !t.scimEndpointsOnly)
    .map((token) => ({ token, clients: token.lastUsedIp ? [{ ip: token.lastUsedIp, lastSeen: token.lastUsed }] : [] }));
}

/** GET /api/users/{id}/handover (Admin). */
export async function listHandover(deps: Deps, actor: Actor, id: number): Promise<{ user: User; tokens: HandoverCandidate[] }> {
  requirePermission(actor, 'manageUsers', 'hand over automation');
  const user = await personInside(deps.store, id);
  return { user, tokens: candidatesOf(await tokensOfUser(deps.store.tokens, id), deps.clock.now()) };
}

export type HandoverTarget = { serviceAccountId: number } | { serviceAccount: CreateServiceAccountInput };

/**
 * POST /api/users/{id}/handover (Admin): one Service token on the service account per token in
 * use (same name; the same expiry, shortened to fit the policy for Service tokens). The person's
 * tokens stay as they are (stopped with their deactivation).
 */
export interface HandoverResult {
  /** The person whose automation moved. */
  person: User;
  serviceAccount: User;
  /** The new tokens, their secrets shown once. */
  tokens: CreatedToken[];
  /** The person's tokens, each replaced by the new token at the same index. */
  replaced: Token[];
}

export async function handOver(deps: Deps, actor: Actor, id: number, target: HandoverTarget): Promise<HandoverResult> {
  requirePermission(actor, 'manageUsers', 'hand over automation');
  const person = await personInside(deps.store, id);
  // Called with a scoped token (SPEC §11), the handover stays within its scopes: the route needs
  // tokens:write, creating the account users:write too, and no token gets a right its maker lacks.
  const makerScopes = actor.principal.token?.scopes ?? null;
  if (!('serviceAccountId' in target) && !scopeAllows(scopeMask(makerScopes), routeScopeMask('users:write'))) {
    throw new DomainError('INSUFFICIENT_SCOPE', 'Creating the service account needs the users:write scope', 'service_account');
  }
  // A new account is created first, in a change of its own (its id is what the tokens need).
  const accountId = 'serviceAccountId' in target ? target.serviceAccountId : (await createServiceAccount(deps, actor, target.serviceAccount)).id;
  return commitChange(deps, actor, async ({ tx, audit, emit }) => {
    const account = await tx.users.findById(accountId);
    if (!account || account.type !== 'Service') throw invalidInput('service_account_id', 'is not a service account');
    if (!account.active) throw invalidInput('service_account_id', 'the service account is deactivated');
    const now = deps.clock.now();
    const candidates = candidatesOf(await tokensOfUser(tx.tokens, id), now);
    if (candidates.length === 0) throw new DomainError('NOT_FOUND', 'This person has no token used in the last 30 days to hand over');
    const max = maxExpiryFor(deps, await currentPolicy(tx), 'Service');
    const issued: CreatedToken[] = [];
    for (const { token } of candidates) {
      // The same restrictions as the token it replaces (the same automation, from the same places).
      const scopes = token.scopes ?? makerScopes;
      if (!scopesWithin(scopes, makerScopes)) {
        throw new DomainError('INSUFFICIENT_SCOPE', `A token with scopes ${scopeString(makerScopes ?? [])} cannot hand over the token "${token.name}", which has more rights`, 'scopes');
      }
      let expiration = token.expiration;
      if (max.days !== null) {
        const latest = new Date(now.getTime() + max.days * DAY_MS);
        if (expiration === null || expiration > latest) expiration = latest;
      }
      const minted = mintJwt(deps.keyring, { sub: account.userId, uid: account.id, iat: now, exp: expiration, token_type: 'Service' });
      const created = await tx.tokens.create({
        owner: userRefOf(account), name: token.name, type: 'Service', scimEndpointsOnly: false, expiration, created: now,
        createdById: actor.principal.user.id, tokenHash: hashToken(deps.keyring.signing, minted.token), jti: minted.jti, kid: minted.kid,
        scopes: scopes ? [...scopes] : null, allowedIps: token.allowedIps ?? null,
      });
      emit({ type: 'token.created', data: { token: { id: created.id, name: created.name, type: 'Service', expiration: expiration?.toISOString() ?? null }, user: { id: account.id, user_id: account.userId }, handover_from: { user_id: id, token_id: token.id } } });
      issued.push({ token: created, bearerToken: minted.token });
    }
    // One change, one audit event: it names every token it created (and what each replaces).
    audit({
      action: 'user.handover', targetType: 'user', targetId: String(id),
      details: { service_account_id: account.id, tokens_created: issued.map((c, i) => ({ id: c.token.id, name: c.token.name, expiration: c.token.expiration?.toISOString() ?? null, replaces: candidates[i]!.token.id })) },
    });
    return { person, serviceAccount: account, tokens: issued, replaced: candidates.map((c) => c.token) };
  });
}

/**
 * Tells the service account's owners (SPEC §9: the people told about its tokens; by default the
 * Admin who created it) what was moved onto it and from where, so that they know which
 * automation now runs as the account. Called after the handover's commit; never names a secret.
 * A failure goes to `onError`, never thrown: the handover itself is done.
 */
export async function mailHandover(deps: Pick<Deps, 'store' | 'mailer'>, actor: Actor, h: HandoverResult, onError: (e: unknown) => void): Promise<boolean> {
  if (!deps.mailer || h.tokens.length === 0) return false;
  try {
    const to = await ownersOfAccount(deps, h.serviceAccount);
    if (to.length === 0) return false;
    await deps.mailer.send({ to, ...handoverMail(actor, h) });
    return true;
  } catch (e) {
    onError(e);
    return false;
  }
}

