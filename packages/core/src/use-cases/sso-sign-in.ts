import type { Actor } from '../auth/principal.js';
import { commitChange } from '../change.js';
import { audit, type Deps } from '../deps.js';
import { isDomainError } from '../errors.js';
import { PUBLIC_TEAM, type OidcIdentity, type User } from '../model.js';
import { normaliseName } from '../names.js';
import { auditLoginFailed, openSession, type ClientInfo } from './sessions.js';

/*
 * Single sign-on for people (SPEC §8). The HTTP layer runs the OpenID Connect flow (through a
 * certified relying party) and hands over the verified claims; this decides who signs in:
 *   1. the user linked to this issuer and subject;
 *   2. else the one human whose e-mail is the `email` claim, if the provider says it is verified
 *      (OIDC Core §5.7: an unverified e-mail proves nothing) and that human is not linked to
 *      another identity; the identity is then stored, so that later sign-ins need no e-mail;
 *   3. else, with JIT on, a new Member in Public, linked at once;
 *   4. else nobody ("ask your administrator").
 * Deactivated users and service accounts are refused. Every outcome is audited with the issuer
 * and the subject. A refusal is a value, not an exception: the page says why.
 */

/** What the identity provider asserted, after the relying party verified the ID token. */
export interface SsoClaims extends OidcIdentity {
  email: string | null;
  emailVerified: boolean;
  /** `name`, else `given_name family_name`, as the provider sent them. */
  name: string | null;
}

export type SsoRefusal =
  /** No linked user, no user with this verified e-mail, and JIT off (or no verified e-mail to create one with). */
  | 'UNKNOWN_PERSON'
  | 'DEACTIVATED'
  | 'SERVICE_ACCOUNT'
  /** The e-mail's user is linked to another identity, or several people share the e-mail. */
  | 'AMBIGUOUS';

export type SsoResult =
  | { ok: true; user: User; sessionId: string; how: 'linked' | 'email' | 'jit' }
  | { ok: false; reason: SsoRefusal };

export interface SsoOptions {
  /** GATEHOUSE_OIDC_JIT: create unknown people on their first sign-in. */
  jit: boolean;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

async function refuse(deps: Deps, claims: SsoClaims, client: ClientInfo, reason: SsoRefusal, user?: User): Promise<SsoResult> {
  await auditLoginFailed(deps, client, user, { via: 'sso', issuer: claims.issuer, subject: claims.subject, reason: reason.toLowerCase() });
  return { ok: false, reason };
}

/** Signs a person in from verified OpenID Connect claims: a session, or why not. */
export async function signInWithSso(deps: Deps, claims: SsoClaims, client: ClientInfo, opts: SsoOptions): Promise<SsoResult> {
  const identity: OidcIdentity = { issuer: claims.issuer, subject: claims.subject };
  const email = claims.email?.trim().toLowerCase() ?? null;
  const verifiedEmail = email !== null && claims.emailVerified && EMAIL.test(email) ? email : null;

  let user = await deps.store.users.findByOidcIdentity(identity);
  let how: 'linked' | 'email' | 'jit' = 'linked';
  if (!user && verifiedEmail) {
    const byEmail = await deps.store.users.findHumansByEmail(verifiedEmail, 2);
    if (byEmail.length > 1) return refuse(deps, claims, client, 'AMBIGUOUS');
    if (byEmail[0]) {
      if (byEmail[0].oidc) return refuse(deps, claims, client, 'AMBIGUOUS', byEmail[0]);
      user = byEmail[0];
      how = 'email';
    }
  }
  if (user) {
    if (user.type !== 'Human') return refuse(deps, claims, client, 'SERVICE_ACCOUNT', user);
    if (!user.active) return refuse(deps, claims, client, 'DEACTIVATED', user);
  } else if (!opts.jit || !verifiedEmail) {
    return refuse(deps, claims, client, 'UNKNOWN_PERSON');
  } else {
    how = 'jit';
  }

  const details = { via: 'sso', issuer: claims.issuer, subject: claims.subject, ...(how !== 'linked' ? { [how === 'jit' ? 'created' : 'linked']: true } : {}) };
  try {
    const known = user;
    const result = await commitChange(deps, known ? ({ principal: { user: known, token: null }, ...client } satisfies Actor) : null, async (change) => {
      let person = known;
      if (!person) {
        const publicTeam = await change.tx.teams.findByNames([PUBLIC_TEAM]);
        person = await change.tx.users.create({
          userId: verifiedEmail!,
          email: verifiedEmail,
          name: normaliseName(claims.name?.trim() || verifiedEmail!),
          type: 'Human',
          role: 'Member',
          teamIds: publicTeam.map((t) => t.id),
          passwordHash: null,
          createdById: null,
          created: deps.clock.now(),
          oidc: identity,
        });
        change.audit({
          action: 'user.created', targetType: 'user', targetId: String(person.id), actorUserId: person.id, ip: client.ip, userAgent: client.userAgent,
          details: { via: 'sso', issuer: claims.issuer, subject: claims.subject, user_id: person.userId, user_type: 'Human', role: 'Member' },
        });
      } else if (how === 'email') {
        await change.tx.users.update(person.id, { oidc: identity });
        change.audit({ action: 'user.sso_linked', targetType: 'user', targetId: String(person.id), details: { issuer: claims.issuer, subject: claims.subject } });
      }
      const actorAudit = (e: Parameters<typeof change.audit>[0]) => change.audit({ actorUserId: person.id, ip: client.ip, userAgent: client.userAgent, ...e });
      const opened = await openSession(deps, { tx: change.tx, audit: actorAudit }, person, client, details);
      return { user: { ...person, oidc: identity, lastLogin: opened.now }, sessionId: opened.sessionId };
    });
    return { ok: true, ...result, how };
  } catch (e) {
    // Two first sign-ins racing (JIT, or linking): the other one won; the identity or user_id is taken.
    if (isDomainError(e) && e.code === 'USER_EXISTS') return refuse(deps, claims, client, 'AMBIGUOUS', user);
    throw e;
  }
}

/**
 * Audits a single sign-on that failed before the provider's claims could be trusted (a tampered
 * or replayed `state`, an expired flow, an error from the provider, an invalid ID token).
 */
export async function recordSsoFlowFailure(deps: Deps, issuer: string, reason: string, client: ClientInfo): Promise<void> {
  await audit(deps, null, {
    action: 'auth.login_failed',
    ip: client.ip,
    userAgent: client.userAgent,
    outcome: 'failure',
    details: { via: 'sso', issuer, reason },
  });
}
