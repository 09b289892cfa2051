import {
  DomainError, notFound, PUBLIC_TEAM, TEAM_PREVIEW_LIST,
  type ListPage, type Page, type PageRequest, type scim, type Team, type TeamMember, type TeamMemberQuery, type TeamQuery, type TeamScimPatch, type TeamStore, type UserRef, type UserType,
} from '@gatehouse/core';
import { sql, type Kysely, type Selectable, type SelectQueryBuilder } from 'kysely';
import { toBool, toDate, toDateOrNull, type DialectTraits } from './dialect.js';
import { keysetPage } from './keyset.js';
import { atomically } from './prepared.js';
import { userRef } from './rows.js';
import { scimGroupCondition } from './scim-user-filter.js';
import type { Database, TeamsTable } from './schema.js';
import { userSearch } from './users-store.js';

const teamFields = (r: Selectable<TeamsTable>): Omit<Team, 'users' | 'userCount'> => ({
  id: r.id,
  name: r.name,
  description: r.description,
  created: toDate(r.created),
  externalId: r.external_id ?? null,
  lastModified: toDateOrNull(r.last_modified ?? null),
});

export class KyselyTeamStore implements TeamStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly traits: DialectTraits,
  ) {}

  /**
   * The teams with their member counts and a preview of `preview` members each. A team may hold
   * every user, so both are bounded reads: the count is the team row's (kept by triggers), the
   * preview one LIMITed range of team_members_folded_name per team, in one statement.
   */
  async #withMembers(rows: Selectable<TeamsTable>[], preview = TEAM_PREVIEW_LIST): Promise<Team[]> {
    const members = new Map<number, UserRef[]>();
    const counts = new Map<number, number>();
    // Bounded statements: SQLite allows 500 parts in a UNION ALL.
    for (let i = 0; i < rows.length; i += 100) {
      const ids = rows.slice(i, i + 100).map((r) => r.id);
      for (const r of rows.slice(i, i + 100)) counts.set(r.id, Number(r.user_count));
      const withMembers = ids.filter((id) => (counts.get(id) ?? 0) > 0);
      if (preview > 0 && withMembers.length > 0) {
        const name = this.traits.folded('m.member_name');
        type Row = { team_id: number | string; id: number; user_id: string; name: string; user_type: string };
        // PostgreSQL: one LATERAL read per team (50 UNION ALL parts took 8 ms to plan). SQLite has
        // no LATERAL and wants each LIMITed part of a UNION ALL inside its own subquery.
        const ms =
          this.traits.name === 'postgres'
            ? await sql<Row>`select t.team_id, p.* from unnest(cast(${withMembers} as integer[])) as t(team_id) cross join lateral (
                select u.id, u.user_id, u.name, u.user_type from team_members m join users u on u.id = m.user_id
                where m.team_id = t.team_id order by ${name}, m.user_id limit ${preview}) p`.execute(this.db)
            : await sql<Row>`${sql.join(
                withMembers.map(
                  (id) => sql`select * from (select m.team_id, u.id, u.user_id, u.name, u.user_type from team_members m join users u on u.id = m.user_id
                    where m.team_id = ${id} order by ${name}, m.user_id limit ${preview}) p${sql.raw(String(id))}`,
                ),
                sql` union all `,
              )}`.execute(this.db);
        for (const m of ms.rows) {
          const teamId = Number(m.team_id);
          let list = members.get(teamId);
          if (!list) members.set(teamId, (list = []));
          list.push(userRef(m));
        }
      }
    }
    return rows.map((r) => ({ ...teamFields(r), users: members.get(r.id) ?? [], userCount: counts.get(r.id) ?? 0 }));
  }

  async findById(id: number, preview = TEAM_PREVIEW_LIST): Promise<Team | undefined> {
    const row = await this.db.selectFrom('teams').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? (await this.#withMembers([row], preview))[0] : undefined;
  }

  async members(id: number, q: TeamMemberQuery): Promise<ListPage<TeamMember>> {
    const count = await this.#count(id);
    // One range of team_members_folded_name (team, name, user) per page, whatever the team's size.
    const base = this.db.selectFrom('team_members as m').innerJoin('users as u', 'u.id', 'm.user_id').where('m.team_id', '=', id) as SelectQueryBuilder<any, any, any>;
    // The users list's own search (and the indexes that serve it), over users alone: its columns
    // are unqualified, and team_members has a user_id of its own.
    const filtered = q.search ? base.where(sql<boolean>`m.user_id in (select id from users where ${userSearch(this.traits, q.search)})`) : base;
    const order = { key: this.traits.folded('m.member_name'), id: sql.ref<number>('m.user_id'), desc: q.sort?.desc ?? false };
    type Row = { id: number; user_id: string; name: string; user_type: string; email: string | null; active: number | boolean };
    // Unsearched, the total is the team's exact count, read already.
    const exact = !q.search && q.total !== false;
    const page = await keysetPage(
      this.db, filtered, (b) => b.select(['u.id', 'u.user_id', 'u.name', 'u.user_type', 'u.email', 'u.active']), order, exact ? { ...q, total: false } : q,
      (r: Row) => r.id,
      (rows) => rows.map((r) => ({ ...userRef(r), email: r.email, active: toBool(r.active) })),
    );
    return exact ? { ...page, total: count, totalExact: true } : page;
  }

  /** Exact: kept by triggers on team_members. */
  async #count(id: number): Promise<number> {
    const r = await this.db.selectFrom('teams').select('user_count').where('id', '=', id).executeTakeFirst();
    return Number(r?.user_count ?? 0);
  }

  async allMembers(id: number, type: UserType): Promise<UserRef[]> {
    const rows = await this.db
      .selectFrom('team_members as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['u.id', 'u.user_id', 'u.name', 'u.user_type'])
      .where('m.team_id', '=', id)
      .where('u.user_type', '=', type)
      .orderBy('u.id')
      .execute();
    return rows.map(userRef);
  }

  async memberIdsAmong(id: number, userIds: readonly number[]): Promise<number[]> {
    if (userIds.length === 0) return [];
    const rows = await this.db.selectFrom('team_members').select('user_id').where('team_id', '=', id).where('user_id', 'in', [...new Set(userIds)]).execute();
    return rows.map((r) => r.user_id);
  }

  async findByNames(names: readonly string[]): Promise<Team[]> {
    if (names.length === 0) return [];
    const rows = await this.db.selectFrom('teams').selectAll().where('name', 'in', [...names]).orderBy('id').execute();
    return rows.map((r) => ({ ...teamFields(r), users: [], userCount: Number(r.user_count) }));
  }

  async list(q: TeamQuery): Promise<ListPage<Team>> {
    let base = this.db.selectFrom('teams');
    if (q.search) base = base.where((eb) => eb(eb.ref('name'), this.traits.ilike, eb.val(`%${q.search}%`)));
    const order = { key: null, id: sql.ref<number>('id'), desc: q.sort?.desc ?? false };
    return keysetPage(this.db, base, (b) => b.selectAll(), order, q, (r: Selectable<TeamsTable>) => r.id, (rows) => this.#withMembers(rows, q.preview));
  }

  async listScim(filter: scim.Filter | undefined, page: PageRequest): Promise<Page<Team>> {
    // Teams are few next to users: the page, then the count unless the first page holds them all.
    const where = filter ? scimGroupCondition(filter, this.traits) : sql`1 = 1`;
    const ids = page.limit > 0
      ? (await sql<{ id: number }>`SELECT g.id FROM teams g WHERE ${where} ORDER BY g.id LIMIT ${page.limit} OFFSET ${page.offset}`.execute(this.db)).rows.map((r) => r.id)
      : [];
    const total = page.offset === 0 && ids.length < page.limit
      ? ids.length
      : Number((await sql<{ n: number | string }>`SELECT count(*) AS n FROM teams g WHERE ${where}`.execute(this.db)).rows[0]?.n ?? 0);
    const rows = ids.length > 0 ? await this.db.selectFrom('teams').selectAll().where('id', 'in', ids).orderBy('id').execute() : [];
    // SCIM reads members apart (TeamStore.allMembers), and only when the answer shows them.
    return { items: await this.#withMembers(rows, 0), total };
  }

  #nameTaken(name: string | undefined) {
    return new DomainError('NAME_TAKEN', `A team named "${name}" already exists`, 'name');
  }

  async create(t: { name: string; description: string | null; userIds: number[]; created: Date; externalId?: string | null }): Promise<Team> {
    try {
      const id = await atomically(this.db, async (trx) => {
        const row = await trx
          .insertInto('teams')
          .values({ name: t.name, description: t.description, created: this.traits.time(t.created), external_id: t.externalId ?? null, last_modified: null })
          .returning('id')
          .executeTakeFirstOrThrow();
        if (t.userIds.length > 0) {
          await trx.insertInto('team_members').values(t.userIds.map((user_id) => ({ team_id: row.id, user_id }))).execute();
        }
        return row.id;
      });
      return (await this.findById(id))!;
    } catch (e) {
      if (this.traits.isUniqueViolation(e)) throw this.#nameTaken(t.name);
      throw e;
    }
  }

  async update(id: number, p: { name?: string; description?: string | null; userIds?: number[] } & TeamScimPatch): Promise<Team> {
    try {
      await atomically(this.db, async (trx) => {
        const set = {
          ...(p.name !== undefined ? { name: p.name } : {}),
          ...(p.description !== undefined ? { description: p.description } : {}),
          ...this.#scimSet(p),
        };
        if (Object.keys(set).length > 0) await trx.updateTable('teams').set(set).where('id', '=', id).execute();
        if (p.userIds !== undefined) {
          await trx.deleteFrom('team_members').where('team_id', '=', id).execute();
          if (p.userIds.length > 0) {
            await trx.insertInto('team_members').values(p.userIds.map((user_id) => ({ team_id: id, user_id }))).execute();
          }
        }
      });
    } catch (e) {
      if (this.traits.isUniqueViolation(e)) throw this.#nameTaken(p.name);
      throw e;
    }
    const team = await this.findById(id);
    if (!team) throw notFound('Team');
    return team;
  }

  #scimSet(p: TeamScimPatch) {
    return {
      ...(p.externalId !== undefined ? { external_id: p.externalId } : {}),
      ...(p.lastModified !== undefined ? { last_modified: this.traits.time(p.lastModified) } : {}),
    };
  }

  async changeMembers(id: number, change: { add: readonly number[]; remove: readonly number[] } & TeamScimPatch): Promise<Team> {
    await atomically(this.db, async (trx) => {
      // Locks the team row (PostgreSQL) and proves it exists before touching members.
      const r = await trx.updateTable('teams').set({ id, ...this.#scimSet(change) }).where('id', '=', id).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw notFound('Team');
      const remove = [...new Set(change.remove)].filter((u) => !change.add.includes(u));
      if (remove.length > 0) await trx.deleteFrom('team_members').where('team_id', '=', id).where('user_id', 'in', remove).execute();
      const add = [...new Set(change.add)];
      if (add.length > 0) {
        await trx
          .insertInto('team_members')
          .values(add.map((user_id) => ({ team_id: id, user_id })))
          .onConflict((oc) => oc.columns(['team_id', 'user_id']).doNothing())
          .execute();
      }
    });
    const team = await this.findById(id);
    if (!team) throw notFound('Team');
    return team;
  }

  async delete(id: number): Promise<void> {
    await this.db.deleteFrom('teams').where('id', '=', id).execute();
  }

  async ensurePublic(created: Date): Promise<Team> {
    await this.db
      .insertInto('teams')
      .values({ name: PUBLIC_TEAM, description: 'Every user belongs to this team', created: this.traits.time(created) })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const row = await this.db.selectFrom('teams').selectAll().where('name', '=', PUBLIC_TEAM).executeTakeFirstOrThrow();
    return (await this.#withMembers([row]))[0]!;
  }
}
