import type { Actor } from '../auth/principal.js';
import { commitChange } from '../change.js';
import type { Deps } from '../deps.js';
import { invalidInput, notFound } from '../errors.js';
import type { User } from '../model.js';
import { requirePermission } from '../policies.js';
import type { StoreTransaction } from '../ports.js';

/*
 * The owners of a service account (SPEC §9): the people told about its tokens (expiry
 * reminders, idle warnings). None set = the Admin who created it.
 */

async function accountInside(store: Pick<StoreTransaction, 'users'>, id: number): Promise<User> {
  const account = await store.users.findById(id);
  if (!account) throw notFound('User');
  if (account.type !== 'Service') throw invalidInput('id', 'only service accounts have owners');
  return account;
}

/** The owners in effect: those set, else the creator (when still there). */
export async function effectiveOwnerIds(store: Pick<StoreTransaction, 'users' | 'lifecycle'>, account: User): Promise<number[]> {
  const set = await store.lifecycle.ownersOf(account.id);
  return set.length > 0 ? set : account.createdById !== null ? [account.createdById] : [];
}

/** The people of `ownerIds` (duplicates dropped), refused by index when unknown or not a person. */
export async function peopleAsOwners(tx: Pick<StoreTransaction, 'users'>, ownerIds: readonly number[]): Promise<User[]> {
  const owners: User[] = [];
  for (const [i, ownerId] of [...new Set(ownerIds)].entries()) {
    const owner = await tx.users.findById(ownerId);
    if (!owner) throw invalidInput(`owner_ids[${i}]`, `unknown user id ${ownerId}`);
    if (owner.type !== 'Human') throw invalidInput(`owner_ids[${i}]`, `${owner.userId} is not a person`);
    owners.push(owner);
  }
  return owners;
}

/** GET /api/users/{id}/owners (Manager+, who may see users). */
export async function getOwners(deps: Deps, actor: Actor, id: number): Promise<User[]> {
  requirePermission(actor, 'viewUsersAndTeams', 'see service account owners');
  const account = await accountInside(deps.store, id);
  const ids = await effectiveOwnerIds(deps.store, account);
  return (await Promise.all(ids.map((i) => deps.store.users.findById(i)))).filter((u): u is User => u !== undefined);
}

/** PUT /api/users/{id}/owners (Admin): people only, at least one. */
export async function setOwners(deps: Deps, actor: Actor, id: number, ownerIds: readonly number[]): Promise<User[]> {
  requirePermission(actor, 'manageUsers', 'change service account owners');
  if (ownerIds.length === 0) throw invalidInput('owner_ids', 'give at least one person');
  return commitChange(deps, actor, async ({ tx, audit }) => {
    await accountInside(tx, id);
    const owners = await peopleAsOwners(tx, ownerIds);
    await tx.lifecycle.setOwners(id, owners.map((o) => o.id));
    audit({ action: 'user.owners_updated', targetType: 'user', targetId: String(id), details: { owner_ids: owners.map((o) => o.id) } });
    return owners;
  });
}
