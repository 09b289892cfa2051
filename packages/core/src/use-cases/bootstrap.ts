import { randomBytes, timingSafeEqual } from 'node:crypto';
import { commitChange } from '../change.js';
import type { Deps } from '../deps.js';
import { DomainError } from '../errors.js';
import type { User } from '../model.js';
import { insertHuman, preparedHuman, type CreateHumanInput } from './manage-users.js';

export interface BootstrapResult {
  /** Set when no user exists and no first Admin was configured: the one-time setup token. */
  setupToken: string | null;
  createdAdmin: User | null;
}

/** Taken by every creation of the first Admin, so that exactly one of concurrent ones wins. */
const SETUP_LOCK = 'setup';

/**
 * Creates the first Admin if, inside the same atomic write, there is still no user at all;
 * returns null otherwise. Concurrent calls (six setup pages, several nodes starting) have
 * exactly one winner.
 */
async function createFirstAdmin(deps: Deps, input: Omit<CreateHumanInput, 'role' | 'teams'>, via: 'setup' | 'config'): Promise<User | null> {
  const human = await preparedHuman(deps, input);
  return commitChange(deps, null, async (change) => {
    await change.tx.lock(SETUP_LOCK);
    if ((await change.tx.users.count()) > 0) return null;
    return insertHuman(deps, null, change, human, 'Admin', undefined, { via });
  });
}

/**
 * First start (SPEC §6): makes sure the Public team exists, then, if there are no users,
 * creates the configured Admin or issues a one-time setup token for the setup page.
 */
export async function bootstrap(deps: Deps, admin: { email: string; password: string } | null): Promise<BootstrapResult> {
  await deps.store.teams.ensurePublic(deps.clock.now());
  if ((await deps.store.users.count()) > 0) return { setupToken: null, createdAdmin: null };
  if (admin) {
    const user = await createFirstAdmin(deps, { email: admin.email, name: 'Administrator', password: admin.password }, 'config');
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
  const closed = () => new DomainError('SETUP_UNAVAILABLE', 'Setup is closed or the setup link is not valid');
  if (!tokenOk || (await deps.store.users.count()) > 0) throw closed();
  const user = await createFirstAdmin(deps, { email: input.email, name: input.name, password: input.password }, 'setup');
  if (!user) throw closed();
  return user;
}
