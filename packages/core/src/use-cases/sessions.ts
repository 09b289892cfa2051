import { createHmac, randomBytes } from 'node:crypto';
import type { Actor, Principal } from '../auth/principal.js';
import { commitChange, type Change } from '../change.js';
import { audit, type Deps } from '../deps.js';
import { DomainError, notFound, RateLimitedError } from '../errors.js';
import type { User } from '../model.js';
import type { SessionInfo } from '../ports.js';

export const SESSION_TTL_MS = 12 * 3_600_000;
/** How often a session's `last_seen` is written: at most once a minute per session. */
const TOUCH_EVERY_MS = 60_000;

/** A syntactically valid Argon2id hash of a random password, verified when the user is unknown so that timing does not tell. */
let dummyHash: Promise<string> | undefined;

const keyed = (deps: Deps, purpose: string, value: string): string =>
  createHmac('sha256', deps.keyring.sessionKey).update(`${purpose}\0${value}`).digest('hex');

const hashSessionId = (deps: Deps, id: string): string =>
  createHmac('sha256', deps.keyring.sessionKey).update(id).digest('hex');

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

export interface LoginInput extends ClientInfo {
  email: string;
  password: string;
  /**
   * SPEC §8 `GATEHOUSE_PASSWORD_LOGIN=admins`: only local Admins may use a password (the
   * break-glass path when single sign-on is down); everyone else is refused with FORBIDDEN.
   */
  onlyLocalAdmins?: boolean;
}

/**
 * Counts a login attempt for this account BEFORE its password is checked, inside one atomic
 * write holding the account's lock: concurrent guesses each take a place in the window, and
 * those past the limit are refused without being checked. Returns the attempt's id (removed
 * again if the password is right), or null when no lockout is configured.
 */
async function reserveAttempt(deps: Deps, accountHash: string): Promise<number | null> {
  const limit = deps.limits.loginFailuresPerAccount;
  if (!limit) return null;
  const now = deps.clock.now();
  const since = new Date(now.getTime() - limit.windowMs);
  return deps.store.transaction(async (tx) => {
    await tx.lock(`login:${accountHash}`);
    const { count, oldest } = await tx.loginAttempts.countSince(accountHash, since);
    if (count >= limit.max) {
      const retryAfter = Math.max(1, Math.ceil(((oldest?.getTime() ?? now.getTime()) + limit.windowMs - now.getTime()) / 1000));
      throw new RateLimitedError(`Too many failed logins for this account; retry in ${retryAfter} s`, retryAfter);
    }
    return tx.loginAttempts.add(accountHash, now, since);
  });
}

/**
 * Password login for humans (service accounts never log in interactively). The same error,
 * and about the same time, for an unknown e-mail, a wrong password or a deactivated user. After
 * `limits.loginFailuresPerAccount` failures in its window an account (known or not, so that a
 * lockout tells nothing) is refused with RATE_LIMITED until its oldest failure leaves the window.
 */
/** Audits a refused sign-in (`auth.login_failed`), against the account when it is known. */
export async function auditLoginFailed(deps: Deps, client: ClientInfo, user: User | undefined, details: Record<string, unknown>): Promise<void> {
  await audit(deps, null, {
    action: 'auth.login_failed',
    targetType: 'user',
    targetId: user ? String(user.id) : null,
    actorUserId: user?.id ?? null,
    ip: client.ip,
    userAgent: client.userAgent,
    outcome: 'failure',
    details,
  });
}

export async function login(deps: Deps, input: LoginInput): Promise<{ user: User; sessionId: string }> {
  const email = input.email.trim().toLowerCase();
  const accountHash = keyed(deps, 'login-account', email);
  const attemptId = await reserveAttempt(deps, accountHash);
  const found = await deps.store.users.findPasswordHash(email);
  const hash = found?.passwordHash ?? (await (dummyHash ??= deps.passwords.hash(randomBytes(16).toString('hex'))));
  const ok = (await deps.passwords.verify(hash, input.password)) && found !== undefined && found.passwordHash !== null;
  const user = found?.user;
  if (!ok || !user || !user.active || user.type !== 'Human') {
    // The attempt stays counted. What was typed is kept only for a known account: people type
    // their password into the e-mail field, so an unknown one is kept as a keyed hash (SPEC §7).
    await auditLoginFailed(deps, input, user, user ? { email } : { typed_hash: keyed(deps, 'audit-typed', email) });
    throw new DomainError('INVALID_CREDENTIALS', 'Invalid e-mail or password');
  }
  if (input.onlyLocalAdmins && !(user.role === 'Admin' && user.provisionedBy === 'local')) {
    await auditLoginFailed(deps, input, user, { email, reason: 'password_login_admins_only' });
    throw new DomainError('FORBIDDEN', 'Password sign-in is reserved for local Admins here: sign in with single sign-on');
  }
  const actor: Actor = { principal: { user, token: null }, ip: input.ip, userAgent: input.userAgent };
  const { sessionId, now } = await commitChange(deps, actor, async (change) => {
    if (attemptId !== null) await change.tx.loginAttempts.remove(attemptId);
    return openSession(deps, change, user, input);
  });
  return { user: { ...user, lastLogin: now }, sessionId };
}

/**
 * Opens a browser session for a user who has just proved who they are (password or single
 * sign-on), inside the caller's change: the session row, `last_login`, and the `auth.login`
 * event (with `details`). Returns the cookie's value, which only its hash is stored under.
 */
export async function openSession(
  deps: Deps,
  { tx, audit: record }: Pick<Change, 'tx' | 'audit'>,
  user: User,
  client: ClientInfo,
  details: Record<string, unknown> = {},
): Promise<{ sessionId: string; now: Date }> {
  const now = deps.clock.now();
  const sessionId = randomBytes(32).toString('base64url');
  const id = await tx.sessions.create({
    idHash: hashSessionId(deps, sessionId),
    userId: user.id,
    created: now,
    expires: new Date(now.getTime() + SESSION_TTL_MS),
    ip: client.ip,
    userAgent: client.userAgent,
  });
  await tx.users.recordLogin(user.id, now);
  record({ action: 'auth.login', targetType: 'user', targetId: String(user.id), details: { ...details, session_id: id } });
  return { sessionId, now };
}

/**
 * The principal of a session cookie, if the session exists, has not expired and its user is an
 * active human. Records when (and from where) the session was last seen, at most once a minute.
 */
export async function authenticateSession(deps: Deps, sessionId: string, client: ClientInfo = { ip: null, userAgent: null }): Promise<Principal | undefined> {
  if (sessionId.length === 0 || sessionId.length > 128) return undefined;
  const now = deps.clock.now();
  const session = await deps.store.sessions.find(hashSessionId(deps, sessionId), now);
  if (!session || !session.user.active || session.user.type !== 'Human') return undefined;
  if (now.getTime() - session.lastSeen.getTime() >= TOUCH_EVERY_MS) await deps.store.sessions.touch(session.id, now, client);
  return { user: session.user, token: null, session: { id: session.id } };
}

/** Ends the session of this cookie (POST /api/auth/logout); audited when the session existed. */
export async function logout(deps: Deps, sessionId: string, client: ClientInfo): Promise<void> {
  const principal = await authenticateSession(deps, sessionId, client);
  if (!principal?.session) {
    await deps.store.sessions.delete(hashSessionId(deps, sessionId));
    return;
  }
  const id = principal.session.id;
  await commitChange(deps, { principal, ...client }, async ({ tx, audit: record }) => {
    await tx.sessions.delete(hashSessionId(deps, sessionId));
    record({ action: 'auth.logout', targetType: 'session', targetId: String(id) });
  });
}

/** GET /api/auth/sessions: the caller's sessions, the one in use marked. */
export async function listOwnSessions(deps: Deps, actor: Actor): Promise<Array<SessionInfo & { current: boolean }>> {
  const current = actor.principal.session?.id;
  const sessions = await deps.store.sessions.listOfUser(actor.principal.user.id, deps.clock.now());
  return sessions.map((s) => ({ ...s, current: s.id === current }));
}

/** DELETE /api/auth/sessions/{id}: ends one of the caller's own sessions (NOT_FOUND for anyone else's). */
export async function endOwnSession(deps: Deps, actor: Actor, id: number): Promise<void> {
  await commitChange(deps, actor, async ({ tx, audit: record }) => {
    if (!(await tx.sessions.deleteOfUser(actor.principal.user.id, id))) throw notFound('Session');
    record({ action: 'auth.session_ended', targetType: 'session', targetId: String(id) });
  });
}

/** DELETE /api/auth/sessions: ends every session of the caller but the one in use; returns how many. */
export async function endOtherOwnSessions(deps: Deps, actor: Actor): Promise<number> {
  return commitChange(deps, actor, async ({ tx, audit: record }) => {
    const userId = actor.principal.user.id;
    const ended = await tx.sessions.deleteAllOfUser(userId, actor.principal.session?.id);
    record({ action: 'auth.sessions_ended', targetType: 'user', targetId: String(userId), details: { sessions_ended: ended } });
    return ended;
  });
}
