import type { Kysely, Selectable } from 'kysely';
import type { DeactivatedBy, ProvisionedBy, Role, TeamRef, User, UserEmail, UserRef, UserType } from '@gatehouse/core';
import { toBool, toDate, toDateOrNull } from './dialect.js';
import type { Database, UsersTable } from './schema.js';

/** Row → domain mapping shared by the stores. */

export type UserRow = Selectable<UsersTable>;

export function userFromRow(row: UserRow, teams: TeamRef[]): User {
  return {
    id: row.id,
    userId: row.user_id,
    email: row.email,
    name: row.name,
    type: row.user_type as UserType,
    role: row.role as Role,
    active: toBool(row.active),
    teams,
    created: toDate(row.created),
    createdById: row.created_by_id,
    lastLogin: toDateOrNull(row.last_login),
    externalId: row.external_id ?? null,
    givenName: row.given_name ?? null,
    familyName: row.family_name ?? null,
    formattedName: row.formatted_name ?? null,
    emails: emailsFromColumn(row.emails ?? null),
    oidc: row.oidc_issuer && row.oidc_subject ? { issuer: row.oidc_issuer, subject: row.oidc_subject } : null,
    lastModified: toDateOrNull(row.last_modified ?? null),
    provisionedBy: (row.provisioned_by ?? 'local') as ProvisionedBy,
    deactivatedBy: (row.deactivated_by ?? null) as DeactivatedBy | null,
  };
}

/** The `emails` column (JSON written by emailsToColumn); anything else reads as none. */
export function emailsFromColumn(raw: string | null): UserEmail[] | null {
  if (raw === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed)) return null;
  return parsed.flatMap((e: unknown): UserEmail[] => {
    if (e === null || typeof e !== 'object') return [];
    const o = e as Record<string, unknown>;
    if (typeof o.value !== 'string') return [];
    return [{ value: o.value, type: typeof o.type === 'string' ? o.type : null, display: typeof o.display === 'string' ? o.display : null, primary: o.primary === true }];
  });
}

export const emailsToColumn = (emails: UserEmail[] | null | undefined): string | null =>
  emails ? JSON.stringify(emails.map((e) => ({ value: e.value, type: e.type, display: e.display, primary: e.primary }))) : null;

export const userRef = (r: { id: number; user_id: string; name: string; user_type: string }): UserRef => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  type: r.user_type as UserType,
});

/** Team memberships of these users, Public first then by name. */
export async function teamsOfUsers(db: Kysely<Database>, userIds: readonly number[]): Promise<Map<number, TeamRef[]>> {
  const byUser = new Map<number, TeamRef[]>();
  if (userIds.length === 0) return byUser;
  const rows = await db
    .selectFrom('team_members as m')
    .innerJoin('teams as t', 't.id', 'm.team_id')
    .select(['m.user_id', 't.id', 't.name'])
    .where('m.user_id', 'in', [...new Set(userIds)])
    .orderBy('t.id')
    .execute();
  for (const r of rows) {
    let list = byUser.get(r.user_id);
    if (!list) byUser.set(r.user_id, (list = []));
    list.push({ id: r.id, name: r.name });
  }
  return byUser;
}

export async function usersFromRows(db: Kysely<Database>, rows: UserRow[]): Promise<User[]> {
  const teams = await teamsOfUsers(db, rows.map((r) => r.id));
  return rows.map((r) => userFromRow(r, teams.get(r.id) ?? []));
}

/** Wraps every method of a store so that driver failures become domain errors. */
export function guarded<T extends object>(target: T, mapError: (e: unknown) => unknown): T {
  const out: Record<string, unknown> = {};
  let proto: object | null = Object.getPrototypeOf(target);
  while (proto && proto !== Object.prototype) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      const fn = (target as Record<string, unknown>)[key];
      if (key === 'constructor' || typeof fn !== 'function' || key in out) continue;
      out[key] = async (...args: unknown[]) => {
        try {
          return await (fn as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } catch (e) {
          throw mapError(e);
        }
      };
    }
    proto = Object.getPrototypeOf(proto);
  }
  return out as T;
}

/** Offset/limit page with a total count, for a query builder factory applied twice. */
export const pageOf = <T>(items: T[], total: number | string | bigint) => ({ items, total: Number(total) });

/**
 * The `user_emails` rows of a user (what SCIM filters on `emails[…]` read): the e-mails SCIM shows,
 * i.e. the `emails` column, or `email` as the primary work one when the column is null. Every
 * write of `email`/`emails` rewrites them in the same transaction (users-store, seeds).
 */
export function userEmailRows(userId: number, email: string | null, emailsColumn: string | null, bool: (v: boolean) => number | boolean) {
  const emails = emailsFromColumn(emailsColumn) ?? (email !== null ? [{ value: email, type: 'work', display: null, primary: true }] : []);
  return emails.map((e, position) => ({
    user_id: userId, position, value: e.value, folded: e.value.toLowerCase(), type: e.type, display: e.display, is_primary: bool(e.primary),
  }));
}
