import { DomainError, notFound, PUBLIC_TEAM, type ListPage, type Page, type PageRequest, type scim, type Team, type TeamQuery, type TeamScimPatch, type TeamStore, type UserRef } from '@gatehouse/core';
import { sql, type Kysely, type Selectable } from 'kysely';
import { toDate, toDateOrNull, type DialectTraits } from './dialect.js';
import { keysetPage } from './keyset.js';
import { atomically } from './prepared.js';
import { userRef } from './rows.js';
import { scimGroupCondition } from './scim-user-filter.js';
import type { Database, TeamsTable } from './schema.js';

const teamFields = (r: Selectable<TeamsTable>): Omit<Team, 'users'> => ({
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

  async #withMembers(rows: Selectable<TeamsTable>[]): Promise<Team[]> {
    const members = new Map<number, UserRef[]>();
    if (rows.length > 0) {
      const ms = await this.db
        .selectFrom('team_members as m')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .select(['m.team_id', 'u.id', 'u.user_id', 'u.name', 'u.user_type'])
        .where('m.team_id', 'in', rows.map((r) => r.id))
        .orderBy('u.id')
        .execute();
      for (const m of ms) {
        let list = members.get(m.team_id);
        if (!list) members.set(m.team_id, (list = []));
        list.push(userRef(m));
      }
    }
    return rows.map((r) => ({ ...teamFields(r), users: members.get(r.id) ?? [] }));
  }

  async findById(id: number): Promise<Team | undefined> {
    const row = await this.db.selectFrom('teams').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? (await this.#withMembers([row]))[0] : undefined;
  }

  async findByNames(names: readonly string[]): Promise<Team[]> {
    if (names.length === 0) return [];
    const rows = await this.db.selectFrom('teams').selectAll().where('name', 'in', [...names]).orderBy('id').execute();
    return rows.map((r) => ({ ...teamFields(r), users: [] }));
  }

  async list(q: TeamQuery): Promise<ListPage<Team>> {
    let base = this.db.selectFrom('teams');
    if (q.search) base = base.where((eb) => eb(eb.ref('name'), this.traits.ilike, eb.val(`%${q.search}%`)));
    const order = { key: null, id: sql.ref<number>('id'), desc: q.sort?.desc ?? false };
    return keysetPage(this.db, base, (b) => b.selectAll(), order, q, (r: Selectable<TeamsTable>) => r.id, (rows) => this.#withMembers(rows));
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
    return { items: await this.#withMembers(rows), total };
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
