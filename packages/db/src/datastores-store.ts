import {
  notFound, type ConnectionRef, type Datastore, type DatastoreQuery, type DatastoreStore, type NewDatastore, type Page, type TeamRef,
} from '@gatehouse/core';
import type { Kysely, Selectable } from 'kysely';
import { toBool, toDate, type DialectTraits } from './dialect.js';
import { containsIgnoringCase } from './like.js';
import { atomically } from './prepared.js';
import { pageOf } from './rows.js';
import type { Database, DatastoresTable } from './schema.js';

/** Up to this many visible datastores, a page reads their ids from the team index (see `list`). */
const FEW_VISIBLE = 2_000;

export class KyselyDatastoreStore implements DatastoreStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly traits: DialectTraits,
  ) {}

  /** The datastores of these rows with their teams, tags and connection (three reads for any number of rows). */
  async #withDetails(rows: Selectable<DatastoresTable>[]): Promise<Datastore[]> {
    const teams = new Map<number, TeamRef[]>();
    const tags = new Map<number, string[]>();
    const connections = new Map<number, ConnectionRef>();
    if (rows.length > 0) {
      const ids = rows.map((r) => r.id);
      const connectionIds = [...new Set(rows.flatMap((r) => (r.connection_id === null ? [] : [r.connection_id])))];
      const [ts, tgs, cs] = await Promise.all([
        this.db.selectFrom('datastore_teams as dt').innerJoin('teams as t', 't.id', 'dt.team_id').select(['dt.datastore_id', 't.id', 't.name']).where('dt.datastore_id', 'in', ids).orderBy('t.id').execute(),
        this.db.selectFrom('datastore_tags').select(['datastore_id', 'tag']).where('datastore_id', 'in', ids).orderBy('tag').execute(),
        connectionIds.length > 0 ? this.db.selectFrom('connections').select(['id', 'name', 'type']).where('id', 'in', connectionIds).execute() : Promise.resolve([]),
      ]);
      for (const t of ts) {
        let list = teams.get(t.datastore_id);
        if (!list) teams.set(t.datastore_id, (list = []));
        list.push({ id: t.id, name: t.name });
      }
      for (const t of tgs) {
        let list = tags.get(t.datastore_id);
        if (!list) tags.set(t.datastore_id, (list = []));
        list.push(t.tag);
      }
      for (const c of cs) connections.set(c.id, c);
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
      connection: r.connection_id === null ? null : (connections.get(r.connection_id) ?? null),
      tags: tags.get(r.id) ?? [],
      enrichmentOnly: toBool(r.enrichment_only),
      created: toDate(r.created),
      createdById: r.created_by_id,
    }));
  }

  async findById(id: number): Promise<Datastore | undefined> {
    const row = await this.db.selectFrom('datastores').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? (await this.#withDetails([row]))[0] : undefined;
  }

  /**
   * One page, filtered and ordered in the database. The team filter takes one of two forms,
   * chosen by how many datastores the viewer sees (the count, read first) and how densely:
   * - few, or sparse: `id IN (the teams' datastore ids)`, read once from the
   *   (team_id, datastore_id) index (cost: the visible rows);
   * - many and dense enough: `EXISTS (a row of one of the teams)` probed while walking the
   *   order's index (the primary key, or `datastores_name`), which stops after the page (cost:
   *   about (offset + limit) ÷ density rows): the first page of a Member who sees 30,000 of
   *   100,000 datastores reads about 170 rows instead of 30,000.
   */
  async list(q: DatastoreQuery): Promise<Page<Datastore>> {
    const teamIds = q.visibleToTeamIds;
    if (teamIds !== undefined && teamIds.length === 0) return { items: [], total: 0 };
    let base = this.db.selectFrom('datastores as d');
    if (q.name !== undefined) base = base.where(containsIgnoringCase(this.traits, 'd.name', q.name));
    if (q.types && q.types.length > 0) base = base.where('d.type', 'in', q.types);
    if (q.tags && q.tags.length > 0) {
      const tags = q.tags;
      base = base.where('d.id', 'in', (eb) => eb.selectFrom('datastore_tags').select('datastore_id').where('tag', 'in', tags));
    }
    if (q.enrichmentOnly !== undefined) base = base.where('d.enrichment_only', '=', this.traits.bool(q.enrichmentOnly));
    if (q.search) {
      const part = q.search;
      base = base.where((eb) => eb.or(['d.name', 'd.host', 'd.database_name'].map((column) => containsIgnoringCase(this.traits, column, part))));
    }
    const inTeams = teamIds === undefined ? base : base.where('d.id', 'in', (eb) => eb.selectFrom('datastore_teams').select('datastore_id').where('team_id', 'in', teamIds));
    const [counted, highest] = await Promise.all([
      inTeams.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      // The highest id stands for the number of datastores (read from the primary key's end).
      teamIds === undefined ? undefined : this.db.selectFrom('datastores').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst(),
    ]);
    const count = Number(counted.n);
    if (count === 0 || q.offset >= count) return { items: [], total: count };
    const rowsWalked = ((q.offset + q.limit) * Number(highest?.id ?? 0)) / count;
    const paged =
      teamIds === undefined || count <= FEW_VISIBLE || rowsWalked >= count
        ? inTeams
        : base.where(({ exists, selectFrom }) =>
            exists(selectFrom('datastore_teams as dt').select('dt.team_id').whereRef('dt.datastore_id', '=', 'd.id').where('dt.team_id', 'in', teamIds)),
          );
    const column = q.sort.by === 'id' ? 'd.id' : q.sort.by === 'name' ? 'd.name' : q.sort.by === 'type' ? 'd.type' : 'd.created';
    const dir = q.sort.desc ? 'desc' : 'asc';
    const rows = await paged.selectAll('d').orderBy(column, dir).orderBy('d.id', dir).limit(q.limit).offset(q.offset).execute();
    return pageOf(await this.#withDetails(rows), count);
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
          connection_id: ds.connectionId,
          enrichment_only: this.traits.bool(ds.enrichmentOnly),
          created: this.traits.time(ds.created),
          created_by_id: ds.createdById,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (ds.teamIds.length > 0) {
        await trx.insertInto('datastore_teams').values([...new Set(ds.teamIds)].map((team_id) => ({ datastore_id: row.id, team_id }))).execute();
      }
      if (ds.tags.length > 0) {
        await trx.insertInto('datastore_tags').values([...new Set(ds.tags)].map((tag) => ({ datastore_id: row.id, tag }))).execute();
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
        ...(p.connectionId !== undefined ? { connection_id: p.connectionId } : {}),
        ...(p.enrichmentOnly !== undefined ? { enrichment_only: this.traits.bool(p.enrichmentOnly) } : {}),
      };
      if (Object.keys(set).length > 0) await trx.updateTable('datastores').set(set).where('id', '=', id).execute();
      if (p.teamIds !== undefined) {
        await trx.deleteFrom('datastore_teams').where('datastore_id', '=', id).execute();
        if (p.teamIds.length > 0) {
          await trx.insertInto('datastore_teams').values([...new Set(p.teamIds)].map((team_id) => ({ datastore_id: id, team_id }))).execute();
        }
      }
      if (p.tags !== undefined) {
        await trx.deleteFrom('datastore_tags').where('datastore_id', '=', id).execute();
        if (p.tags.length > 0) await trx.insertInto('datastore_tags').values([...new Set(p.tags)].map((tag) => ({ datastore_id: id, tag }))).execute();
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
