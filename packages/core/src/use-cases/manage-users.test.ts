import { describe, expect, it } from 'vitest';
import { DomainError } from '../errors.js';
import type { User } from '../model.js';
import { actorOf, fakeDeps, human, serviceAccount } from '../test-support/fake-deps.js';
import { ADMINS_LOCK, guardLastAdmin, updateUser } from './manage-users.js';

const codeOf = async (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof DomainError ? e.code : String(e)));

describe('guardLastAdmin', () => {
  const only = human(1, { role: 'Admin' });
  const tx = (admins: number) => ({ users: { countActiveAdmins: async () => admins } }) as unknown as Parameters<typeof guardLastAdmin>[0];

  it.each([
    ['demoting the last active Admin', only, { role: 'Member', active: true }, 1, 'LAST_ADMIN'],
    ['deactivating the last active Admin', only, { role: 'Admin', active: false }, 1, 'LAST_ADMIN'],
    ['demoting one of two Admins', only, { role: 'Editor', active: true }, 2, 'ok'],
    ['keeping the last Admin an Admin', only, { role: 'Admin', active: true }, 1, 'ok'],
    ['demoting a deactivated Admin (not counted)', human(2, { role: 'Admin', active: false }), { role: 'Member', active: false }, 1, 'ok'],
    ['deactivating a Member', human(3), { role: 'Member', active: false }, 1, 'ok'],
  ] as const)('%s → %s', async (_t, target, next, admins, expected) => {
    expect(await codeOf(guardLastAdmin(tx(admins), target as User, next))).toBe(expected);
  });
});

describe('updateUser', () => {
  const admin = human(1, { role: 'Admin' });
  const other = human(2, { role: 'Admin' });
  const member = human(3);
  const robot = serviceAccount(4);
  const setup = () => fakeDeps({ users: [admin, other, member, robot] });

  it('decides the last-Admin guard under the admins lock, inside the change', async () => {
    const { deps, tx, audit, published } = setup();
    const updated = await updateUser(deps, actorOf(admin), 2, { role: 'Member' });
    expect(updated).toMatchObject({ id: 2, role: 'Member', active: true });
    expect(tx.lock).toHaveBeenCalledWith(ADMINS_LOCK);
    expect(audit).toEqual([expect.objectContaining({ action: 'user.updated', targetId: '2', details: { changed: ['role'] } })]);
    expect(published).toEqual([{ kind: 'user', userId: 2 }]);
    // Now the caller is the last Admin: they cannot demote themselves; nothing is written or told.
    expect(await codeOf(updateUser(deps, actorOf(admin), 1, { role: 'Member' }))).toBe('LAST_ADMIN');
    expect(audit).toHaveLength(1);
    expect(published).toHaveLength(1);
  });

  it('deactivation records that an Admin did it and ends all sessions; reactivation clears it', async () => {
    const { deps, tx, audit, users } = setup();
    const off = await updateUser(deps, actorOf(admin), 3, { active: false });
    expect(off).toMatchObject({ active: false, deactivatedBy: 'admin' });
    expect(users.get(3)).toMatchObject({ active: false, deactivatedBy: 'admin' });
    expect(tx.sessions.deleteAllOfUser).toHaveBeenCalledWith(3);
    expect(audit.at(-1)).toMatchObject({ action: 'user.deactivated', details: { changed: ['active'], sessions_ended: 2 } });
    const on = await updateUser(deps, actorOf(admin), 3, { active: true });
    expect(on).toMatchObject({ active: true, deactivatedBy: null });
    expect(audit.at(-1)).toMatchObject({ action: 'user.activated' });
  });

  it("a new password ends the user's sessions, but the caller's own when they change their own", async () => {
    const { deps, tx, audit, writes } = setup();
    await updateUser(deps, actorOf(admin), 3, { password: 'a-new-password-123' });
    expect(tx.sessions.deleteAllOfUser).toHaveBeenLastCalledWith(3, undefined);
    expect(writes).toContain('users.update 3 lastModified,passwordHash');
    await updateUser(deps, actorOf(admin, 77), 1, { password: 'my-new-password-123' });
    expect(tx.sessions.deleteAllOfUser).toHaveBeenLastCalledWith(1, 77);
    // The audit log says a password changed, never which.
    expect(JSON.stringify(audit)).not.toContain('new-password');
    expect(audit.at(-1)?.details).toEqual({ changed: ['password'], sessions_ended: 2 });
  });

  it.each([
    ['a short password', 3, { password: 'short' }, 'INVALID_INPUT'],
    ['a password for a service account', 4, { password: 'long-enough-password' }, 'INVALID_INPUT'],
    ['an unknown user', 99, { name: 'x' }, 'NOT_FOUND'],
  ] as const)('refuses %s without writing', async (_t, id, input, code) => {
    const { deps, writes, audit } = setup();
    expect(await codeOf(updateUser(deps, actorOf(admin), id, input))).toBe(code);
    expect(writes).toEqual([]);
    expect(audit).toEqual([]);
  });

  it('only Admins change users', async () => {
    const { deps } = setup();
    expect(await codeOf(updateUser(deps, actorOf(member), 3, { name: 'me' }))).toBe('FORBIDDEN');
  });
});
