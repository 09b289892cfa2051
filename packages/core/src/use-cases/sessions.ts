import { createHmac, randomBytes } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import { audit, type Deps } from '../deps.js';
import { DomainError } from '../errors.js';
import type { User } from '../model.js';

export const SESSION_TTL_MS = 12 * 3_600_000;

/** A syntactically valid Argon2id hash of a random password, verified when the user is unknown so that timing does not tell. */
let dummyHash: Promise<string> | undefined;

const hashSessionId = (deps: Deps, id: string): string =>
  createHmac('sha256', deps.keyring.sessionKey).update(id).digest('hex');

const LOOKS_LIKE_EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface LoginInput {
  email: string;
  password: string;
  ip: string | null;
  userAgent: string | null;
}

/**
 * Password login for humans (service accounts never log in interactively). The same error,
 * and about the same time, for an unknown e-mail, a wrong password or a deactivated user.
 */
export async function login(deps: Deps, input: LoginInput): Promise<{ user: User; sessionId: string }> {
  const email = input.email.trim().toLowerCase();
  const found = await deps.store.users.findPasswordHash(email);
  const hash = found?.passwordHash ?? (await (dummyHash ??= deps.passwords.hash(randomBytes(16).toString('hex'))));
  const ok = (await deps.passwords.verify(hash, input.password)) && found !== undefined && found.passwordHash !== null;
  const user = found?.user;
  if (!ok || !user || !user.active || user.type !== 'Human') {
    await deps.store.audit.append([
      {
        at: deps.clock.now(),
        actorUserId: user?.id ?? null,
        actorTokenId: null,
        action: 'auth.login_failed',
        targetType: 'user',
        targetId: user ? String(user.id) : null,
        ip: input.ip,
        userAgent: input.userAgent,
        outcome: 'failure',
        // People type their password into the e-mail field: keep what was typed only if it is a
        // known account or looks like an address, so that the audit log never holds a password.
        details: { email: user || LOOKS_LIKE_EMAIL.test(email) ? email : '[not an e-mail address]' },
      },
    ]);
    throw new DomainError('INVALID_CREDENTIALS', 'Invalid e-mail or password');
  }
  const now = deps.clock.now();
  const sessionId = randomBytes(32).toString('base64url');
  await deps.store.sessions.create({
    idHash: hashSessionId(deps, sessionId),
    userId: user.id,
    created: now,
    expires: new Date(now.getTime() + SESSION_TTL_MS),
  });
  await deps.store.users.recordLogin(user.id, now);
  await audit(deps, { principal: { user, token: null }, ip: input.ip, userAgent: input.userAgent }, {
    action: 'auth.login',
    targetType: 'user',
    targetId: String(user.id),
  });
  return { user: { ...user, lastLogin: now }, sessionId };
}

/** The principal of a session cookie, if the session exists, has not expired and its user is active. */
export async function authenticateSession(deps: Deps, sessionId: string): Promise<Principal | undefined> {
  if (sessionId.length === 0 || sessionId.length > 128) return undefined;
  const session = await deps.store.sessions.find(hashSessionId(deps, sessionId), deps.clock.now());
  if (!session || !session.user.active || session.user.type !== 'Human') return undefined;
  return { user: session.user, token: null };
}

export async function logout(deps: Deps, sessionId: string): Promise<void> {
  await deps.store.sessions.delete(hashSessionId(deps, sessionId));
}
