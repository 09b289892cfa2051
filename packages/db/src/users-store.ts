import { DomainError, notFound, type ListPage, type NewUser, type OidcIdentity, type PageRequest, type scim, type Page, type User, type UserPatch, type UserQuery, type UserStore } from '@gatehouse/core';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { containsPattern } from './like.js';
import { USERS_SEARCH_TEXT } from './migrations/2026-12-07T00-00-search-indexes.js';
import { scimHumans, scimUserCondition } from './scim-user-filter.js';
import type { DialectTraits } from './dialect.js';
import { keysetPage } from './keyset.js';
import { atomically, type PreparedQueries, type PreparedQuery } from './prepared.js';
import { emailsToColumn, pageOf, userEmailRows, userFromRow, usersFromRows, teamsOfUsers } from './rows.js';
import type { Database } from './schema.js';
import type { UserRow } from './rows.js';

/** A user and their teams in one statement, one row per team (in team order). */
const USER_BY_ID = `
  SELECT u.id, u.user_id, u.email, u.name, u.user_type, u.role, u.active, u.created, u.created_by_id,
         u.last_login, u.external_id, u.given_name, u.family_name, u.last_modified, u.provisioned_by, u.deactivated_by,
         u.oidc_issuer, u.oidc_subject, u.formatted_name, u.emails, g.id, g.name
    FROM users u
    LEFT JOIN team_members m ON m.user_id = u.id
    LEFT JOIN teams g ON g.id = m.team_id
   WHERE u.id = ?
   ORDER BY g.id`;

/** A row of USER_BY_ID, in its column order. */
type UserTeamRow = [
  id: number, userId: string, email: string | null, name: string, userType: string, role: string, active: number | boolean, created: string | Date,
  createdById: number | null, lastLogin: string | Date | null, externalId: string | null, givenName: string | null, familyName: string | null,
  lastModified: string | Date | null, provisionedBy: string, deactivatedBy: string | null,
  oidcIssuer: string | null, oidcSubject: string | null, formattedName: string | null, emails: string | null, teamId: number | null, teamName: string | null,
];

type ScimFilter = scim.Filter;

/**
 * The users list search: user id, name or e-mail contains `part` without regard to case (ILIKE on
 * PostgreSQL; LIKE, ASCII case only, on SQLite), its `%` and `_` taken literally. Trigram indexes
 * serve it: pg_trgm GIN over the three columns on PostgreSQL; on SQLite users_fts
 * narrows the rows for needles of 3 characters or more (FTS5 folds at least ASCII case, so every
 * row LIKE matches is among them) and LIKE decides.
 */
export function userSearch(traits: DialectTraits, part: string): RawBuilder<boolean> {
  const pattern = containsPattern(part);
  if (traits.name === 'postgres') {
    // ILIKE is lower() on both sides (UTF-8): the three columns' text, lower-cased, contains the
    // needle whenever one of them does, so its index narrows and each column decides.
    return sql<boolean>`(${sql.raw(USERS_SEARCH_TEXT)} LIKE lower(${pattern}) ESCAPE '\\'
      AND (user_id ILIKE ${pattern} ESCAPE '\\' OR email ILIKE ${pattern} ESCAPE '\\' OR name ILIKE ${pattern} ESCAPE '\\'))`;
  }
  const like = sql<boolean>`(user_id LIKE ${pattern} ESCAPE '\\' OR name LIKE ${pattern} ESCAPE '\\' OR email LIKE ${pattern} ESCAPE '\\')`;
  if ([...part].length < 3) return like;
  const phrase = `{user_id name email} : "${part.replaceAll('"', '""')}"`;
  return sql<boolean>`(id IN (SELECT rowid FROM users_fts WHERE users_fts MATCH ${phrase}) AND ${like})`;
}

/** Rewrites the user_emails rows of user `id` from its row (in the transaction that changed it). */
async function writeEmails(trx: Kysely<Database>, traits: DialectTraits, id: number): Promise<void> {
  const row = await trx.selectFrom('users').select(['email', 'emails']).where('id', '=', id).executeTakeFirst();
  await trx.deleteFrom('user_emails').where('user_id', '=', id).execute();
  const rows = row ? userEmailRows(id, row.email, row.emails, traits.bool) : [];
  if (rows.length > 0) await trx.insertInto('user_emails').values(rows).execute();
}

export class KyselyUserStore implements UserStore {
  /** A prepared statement: the authenticator reads a token's user through it on a cache miss (null in a transaction). */
  readonly #userById: PreparedQuery<UserTeamRow> | null;

  /**
   * @param prepared the root store's prepared statements; null inside a transaction, whose
   * statements must all go through its own connection (`db`).
   */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly traits: DialectTraits,
    prepared: PreparedQueries | null,
  ) {
    this.#userById = prepared ? prepared.prepare('gatehouse_user_by_id', USER_BY_ID) : null;
  }

  async count(): Promise<number> {
    const r = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async findById(id: number): Promise<User | undefined> {
    if (!this.#userById) {
      const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? (await usersFromRows(this.db, [row]))[0] : undefined;
    }
    const rows = await this.#userById([id]);
    const r = rows[0];
    if (r === undefined) return undefined;
    const teams = r[20] === null ? [] : rows.map((x) => ({ id: x[20]!, name: x[21]! }));
    return userFromRow({
      id: r[0], user_id: r[1], email: r[2], name: r[3], user_type: r[4], role: r[5], active: r[6], password_hash: null, created: r[7],
      created_by_id: r[8], last_login: r[9], external_id: r[10], given_name: r[11], family_name: r[12], last_modified: r[13],
      provisioned_by: r[14], deactivated_by: r[15], oidc_issuer: r[16], oidc_subject: r[17], formatted_name: r[18], emails: r[19],
    }, teams);
  }

  async existingIds(ids: readonly number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('users').select('id').where('id', 'in', [...new Set(ids)]).execute();
    return rows.map((r) => r.id);
  }

  async findByUserId(userId: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('user_id', '=', userId.toLowerCase()).executeTakeFirst();
    return row ? (await usersFromRows(this.db, [row]))[0] : undefined;
  }

  async findPasswordHash(userId: string): Promise<{ user: User; passwordHash: string | null } | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('user_id', '=', userId.toLowerCase()).executeTakeFirst();
    if (!row) return undefined;
    const teams = await teamsOfUsers(this.db, [row.id]);
    return { user: userFromRow(row, teams.get(row.id) ?? []), passwordHash: row.password_hash };
  }

  async findByOidcIdentity(identity: OidcIdentity): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').selectAll()
      .where('oidc_issuer', '=', identity.issuer).where('oidc_subject', '=', identity.subject).executeTakeFirst();
    return row ? (await usersFromRows(this.db, [row]))[0] : undefined;
  }

  async findHumansByEmail(email: string, limit: number): Promise<User[]> {
    // E-mails are stored lower-cased (create and update lower-case them), so the plain index serves this.
    const rows = await this.db.selectFrom('users').selectAll()
      .where('email', '=', email.toLowerCase()).where('user_type', '=', 'Human').orderBy('id').limit(limit).execute();
    return usersFromRows(this.db, rows);
  }

  async list(q: UserQuery): Promise<ListPage<User>> {
    let base = this.db.selectFrom('users');
    if (q.type) base = base.where('user_type', '=', q.type);
    if (q.active !== undefined) base = base.where('active', '=', this.traits.bool(q.active));
    if (q.search) base = base.where(userSearch(this.traits, q.search));
    const order = { key: null, id: sql.ref<number>('id'), desc: q.sort?.desc ?? false };
    return keysetPage(this.db, base, (b) => b.selectAll(), order, q, (r: UserRow) => r.id, (rows) => usersFromRows(this.db, rows));
  }

  async listScim(filter: ScimFilter | undefined, page: PageRequest): Promise<Page<User>> {
    // The filters IdPs send are served by indexes (search-indexes migration); without one, every
    // human in id order through the (user_type, id) index. The page's rows come from its ids (an
    // index read), and the count, which a deep page always needs, is asked beside the page: on
    // PostgreSQL the two run at once on two connections (a deep page's count is the larger half).
    const where = filter ? sql`${scimHumans(this.traits)} AND ${scimUserCondition(filter, this.traits)}` : sql`u.user_type = 'Human'`;
    const count = () => sql<{ n: number | string }>`SELECT count(*) AS n FROM users u WHERE ${where}`.execute(this.db).then((r) => Number(r.rows[0]?.n ?? 0));
    const early = page.offset > 0 || !filter ? count() : undefined;
    early?.catch(() => undefined); // awaited below; a failed page must not leave it unhandled
    const pageIds = sql`SELECT u.id FROM users u WHERE ${where} ORDER BY u.id LIMIT ${page.limit} OFFSET ${page.offset}`;
    const rows = page.limit > 0 ? await this.db.selectFrom('users').selectAll().where(sql<boolean>`id IN (${pageIds})`).orderBy('id').execute() : [];
    // A first page that holds fewer than asked holds them all.
    const total = early ? await early : rows.length < page.limit ? rows.length : await count();
    return pageOf(await usersFromRows(this.db, rows), total);
  }

  async create(u: NewUser): Promise<User> {
    try {
      const id = await atomically(this.db, async (trx) => {
        const row = await trx
          .insertInto('users')
          .values({
            user_id: u.userId.toLowerCase(),
            email: u.email?.toLowerCase() ?? null,
            name: u.name,
            user_type: u.type,
            role: u.role,
            active: this.traits.bool(true),
            password_hash: u.passwordHash,
            created: this.traits.time(u.created),
            created_by_id: u.createdById,
            last_login: null,
            external_id: u.externalId ?? null,
            given_name: u.givenName ?? null,
            family_name: u.familyName ?? null,
            formatted_name: u.formattedName ?? null,
            emails: emailsToColumn(u.emails),
            oidc_issuer: u.oidc?.issuer ?? null,
            oidc_subject: u.oidc?.subject ?? null,
            last_modified: null,
            provisioned_by: u.provisionedBy ?? 'local',
            deactivated_by: null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await writeEmails(trx, this.traits, row.id);
        if (u.teamIds.length > 0) {
          await trx.insertInto('team_members').values([...new Set(u.teamIds)].map((team_id) => ({ team_id, user_id: row.id }))).execute();
        }
        return row.id;
      });
      return (await this.findById(id))!;
    } catch (e) {
      if (this.traits.isUniqueViolation(e)) {
        throw new DomainError('USER_EXISTS', `A user with the id "${u.userId.toLowerCase()}" already exists`, u.type === 'Service' ? 'name' : 'email');
      }
      throw e;
    }
  }

  async update(id: number, p: UserPatch): Promise<void> {
    try {
      await atomically(this.db, async (trx) => {
        const set = {
          ...(p.name !== undefined ? { name: p.name } : {}),
          ...(p.role !== undefined ? { role: p.role } : {}),
          ...(p.active !== undefined ? { active: this.traits.bool(p.active) } : {}),
          ...(p.email !== undefined ? { email: p.email?.toLowerCase() ?? null } : {}),
          ...(p.userId !== undefined ? { user_id: p.userId.toLowerCase() } : {}),
          ...(p.externalId !== undefined ? { external_id: p.externalId } : {}),
          ...(p.givenName !== undefined ? { given_name: p.givenName } : {}),
          ...(p.familyName !== undefined ? { family_name: p.familyName } : {}),
          ...(p.formattedName !== undefined ? { formatted_name: p.formattedName } : {}),
          ...(p.emails !== undefined ? { emails: emailsToColumn(p.emails) } : {}),
          ...(p.oidc !== undefined ? { oidc_issuer: p.oidc?.issuer ?? null, oidc_subject: p.oidc?.subject ?? null } : {}),
          ...(p.lastModified !== undefined ? { last_modified: this.traits.time(p.lastModified) } : {}),
          ...(p.deactivatedBy !== undefined ? { deactivated_by: p.deactivatedBy } : {}),
          ...(p.passwordHash !== undefined ? { password_hash: p.passwordHash } : {}),
        };
        if (Object.keys(set).length > 0) {
          const r = await trx.updateTable('users').set(set).where('id', '=', id).executeTakeFirst();
          if (Number(r.numUpdatedRows) === 0) throw notFound('User');
          if (p.email !== undefined || p.emails !== undefined) await writeEmails(trx, this.traits, id);
        }
        if (p.teamIds !== undefined) {
          await trx.deleteFrom('team_members').where('user_id', '=', id).execute();
          const ids = [...new Set(p.teamIds)];
          if (ids.length > 0) await trx.insertInto('team_members').values(ids.map((team_id) => ({ team_id, user_id: id }))).execute();
        }
      });
    } catch (e) {
      if (this.traits.isUniqueViolation(e)) {
        if (p.userId === undefined && p.oidc) throw new DomainError('USER_EXISTS', 'Another user is already linked to this single sign-on identity', 'oidc');
        throw new DomainError('USER_EXISTS', `A user with the id "${p.userId}" already exists`, 'user_id');
      }
      throw e;
    }
  }

  async recordLogin(id: number, at: Date): Promise<void> {
    await this.db.updateTable('users').set({ last_login: this.traits.time(at) }).where('id', '=', id).execute();
  }

  async countActiveAdmins(): Promise<number> {
    const r = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role', '=', 'Admin')
      .where('active', '=', this.traits.bool(true))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async delete(id: number): Promise<void> {
    // Foreign keys cascade to tokens, sessions and memberships, and null the creator elsewhere.
    const r = await this.db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw notFound('User');
  }
}
