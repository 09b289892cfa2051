import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Deps } from '../deps.js';
import { DomainError } from '../errors.js';
import type { User } from '../model.js';
import { createHumanUser } from './manage-users.js';

export interface BootstrapResult {
  /** Set when no user exists and no first Admin was configured: the one-time setup token. */
  setupToken: string | null;
  createdAdmin: User | null;
}

/**
 * First start (SPEC §6): makes sure the Public team exists, then, if there are no users,
 * creates the configured Admin or issues a one-time setup token for the setup page.
 */
export async function bootstrap(deps: Deps, admin: { email: string; password: string } | null): Promise<BootstrapResult> {
  await deps.store.teams.ensurePublic(deps.clock.now());
  if ((await deps.store.users.count()) > 0) return { setupToken: null, createdAdmin: null };
  if (admin) {
    const user = await createHumanUser(deps, null, { email: admin.email, name: 'Administrator', role: 'Admin', password: admin.password });
    return { setupToken: null, createdAdmin: user };
  }
  return { setupToken: randomBytes(24).toString('base64url'), createdAdmin: null };
}

/** Creates the first Admin through the setup page, with the token printed at start. */
export async function completeSetup(
  deps: Deps,
  expectedToken: string | null,
  input: { setupToken: string; email: string; name: string; password: string },
): Promise<User> {
  const given = Buffer.from(input.setupToken);
  const expected = Buffer.from(expectedToken ?? '');
  const tokenOk = expectedToken !== null && given.length === expected.length && timingSafeEqual(given, expected);
  if (!tokenOk || (await deps.store.users.count()) > 0) {
    throw new DomainError('SETUP_UNAVAILABLE', 'Setup is closed or the setup link is not valid');
  }
  return createHumanUser(deps, null, { email: input.email, name: input.name, role: 'Admin', password: input.password });
}
