import {
  notFound, type Datastore, type DatastoreQuery, type DatastoreStore, type NewDatastore, type Page, type TeamRef,
} from '@gatehouse/core';
import type { Kysely, Selectable } from 'kysely';
import { toDate, type DialectTraits } from './dialect.js';
import { atomically } from './prepared.js';
import { pageOf } from './rows.js';
import type { Database, DatastoresTable } from './schema.js';

export class KyselyDatastoreStore implements DatastoreStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly traits: DialectTraits,
  ) {}

  async #withTeams(rows: Selectable<DatastoresTable>[]): Promise<Datastore[]> {
    const teams = new Map<number, TeamRef[]>();
    if (rows.length > 0) {
      const ts = await this.db
        .selectFrom('datastore_teams as dt')
        .innerJoin('teams as t', 't.id', 'dt.team_id')
        .select(['dt.datastore_id', 't.id', 't.name'])
        .where('dt.datastore_id', 'in', rows.map((r) => r.id))
        .orderBy('t.id')
        .execute();
      for (const t of ts) {
        let list = teams.get(t.datastore_id);
        if (!list) teams.set(t.datastore_id, (list = []));
        list.push({ id: t.id, name: t.name });
      }
    }
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      type: r.type,
      host: r.host,
      port: r.port,
      database: r.database_name,
      schema: r.schema_name,
      teams: teams.get(r.id) ?? [],
      created: toDate(r.created),
      createdById: r.created_by_id,
    }));
  }

  async findById(id: number): Promise<Datastore | undefined> {
    const row = await this.db.selectFrom('datastores').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? (await this.#withTeams([row]))[0] : undefined;
  }

  async list(q: DatastoreQuery): Promise<Page<Datastore>> {
    let base = this.db.selectFrom('datastores as d');
    const teamIds = q.visibleToTeamIds;
    if (teamIds !== undefined) {
      if (teamIds.length === 0) return { items: [], total: 0 };
      // `id IN (ids of the teams' datastores)` reads the (team_id, datastore_id) index once, where a
      // correlated EXISTS probed it for every datastore (8× slower to count on SQLite).
      base = base.where('d.id', 'in', (eb) => eb.selectFrom('datastore_teams').select('datastore_id').where('team_id', 'in', teamIds));
    }
    if (q.name !== undefined) base = base.where('d.name', '=', q.name);
    if (q.types && q.types.length > 0) base = base.where('d.type', 'in', q.types);
    if (q.search) {
      const like = `%${q.search}%`;
      base = base.where((eb) =>
        eb.or([eb(eb.ref('d.name'), this.traits.ilike, eb.val(like)), eb(eb.ref('d.host'), this.traits.ilike, eb.val(like)), eb(eb.ref('d.database_name'), this.traits.ilike, eb.val(like))]),
      );
    }
    const column = q.sort.by === 'id' ? 'd.id' : q.sort.by === 'name' ? 'd.name' : q.sort.by === 'type' ? 'd.type' : 'd.created';
    const dir = q.sort.desc ? 'desc' : 'asc';
    const [rows, count] = await Promise.all([
      base.selectAll('d').orderBy(column, dir).orderBy('d.id', dir).limit(q.limit).offset(q.offset).execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return pageOf(await this.#withTeams(rows), count.n);
  }

  async nameInUse(name: string, visibleToTeamIds: number[] | undefined, exceptId?: number): Promise<boolean> {
    let q = this.db.selectFrom('datastores as d').select('d.id').where('d.name', '=', name);
    if (exceptId !== undefined) q = q.where('d.id', '!=', exceptId);
    if (visibleToTeamIds !== undefined) {
      if (visibleToTeamIds.length === 0) return false;
      q = q.where('d.id', 'in', (eb) => eb.selectFrom('datastore_teams').select('datastore_id').where('team_id', 'in', visibleToTeamIds));
    }
    return (await q.limit(1).executeTakeFirst()) !== undefined;
  }

  async create(ds: NewDatastore): Promise<Datastore> {
    const id = await atomically(this.db, async (trx) => {
      const row = await trx
        .insertInto('datastores')
        .values({
          name: ds.name,
          type: ds.type,
          host: ds.host,
          port: ds.port,
          database_name: ds.database,
          schema_name: ds.schema,
          created: this.traits.time(ds.created),
          created_by_id: ds.createdById,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (ds.teamIds.length > 0) {
        await trx.insertInto('datastore_teams').values([...new Set(ds.teamIds)].map((team_id) => ({ datastore_id: row.id, team_id }))).execute();
      }
      return row.id;
    });
    return (await this.findById(id))!;
  }

  async update(id: number, p: Partial<Omit<NewDatastore, 'created' | 'createdById'>>): Promise<Datastore> {
    await atomically(this.db, async (trx) => {
      const set = {
        ...(p.name !== undefined ? { name: p.name } : {}),
        ...(p.type !== undefined ? { type: p.type } : {}),
        ...(p.host !== undefined ? { host: p.host } : {}),
        ...(p.port !== undefined ? { port: p.port } : {}),
        ...(p.database !== undefined ? { database_name: p.database } : {}),
        ...(p.schema !== undefined ? { schema_name: p.schema } : {}),
      };
      if (Object.keys(set).length > 0) await trx.updateTable('datastores').set(set).where('id', '=', id).execute();
      if (p.teamIds !== undefined) {
        await trx.deleteFrom('datastore_teams').where('datastore_id', '=', id).execute();
        if (p.teamIds.length > 0) {
          await trx.insertInto('datastore_teams').values([...new Set(p.teamIds)].map((team_id) => ({ datastore_id: id, team_id }))).execute();
        }
      }
    });
    const ds = await this.findById(id);
    if (!ds) throw notFound('Datastore');
    return ds;
  }

  async delete(id: number): Promise<void> {
    await this.db.deleteFrom('datastores').where('id', '=', id).execute();
  }
}
