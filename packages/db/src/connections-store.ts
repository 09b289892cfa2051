import {
  DomainError, notFound, type Connection, type ConnectionPatch, type ConnectionQuery, type ConnectionStore, type NewConnection, type Page,
} from '@gatehouse/core';
import type { Kysely, Selectable } from 'kysely';
import { toDate, type DialectTraits } from './dialect.js';
import { containsIgnoringCase } from './like.js';
import { atomically } from './prepared.js';
import { pageOf } from './rows.js';
import type { ConnectionsTable, Database } from './schema.js';

const fromRow = (r: Selectable<ConnectionsTable>): Connection => ({
  id: r.id,
  name: r.name,
  type: r.type,
  host: r.host,
  port: r.port,
  created: toDate(r.created),
  createdById: r.created_by_id,
});

const nameTaken = (name: string) => new DomainError('NAME_TAKEN', `A connection named "${name}" already exists`, 'name');

export class KyselyConnectionStore implements ConnectionStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly traits: DialectTraits,
  ) {}

  async findById(id: number): Promise<Connection | undefined> {
    const row = await this.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async list(q: ConnectionQuery): Promise<Page<Connection>> {
    let base = this.db.selectFrom('connections');
    if (q.name !== undefined) base = base.where(containsIgnoringCase(this.traits, 'name', q.name));
    if (q.types && q.types.length > 0) base = base.where('type', 'in', q.types);
    const [rows, count] = await Promise.all([
      base.selectAll().orderBy('id').limit(q.limit).offset(q.offset).execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return pageOf(rows.map(fromRow), count.n);
  }

  async create(c: NewConnection): Promise<Connection> {
    try {
      const row = await this.db
        .insertInto('connections')
        .values({ name: c.name, type: c.type, host: c.host, port: c.port, created: this.traits.time(c.created), created_by_id: c.createdById })
        .returningAll()
        .executeTakeFirstOrThrow();
      return fromRow(row);
    } catch (e) {
      if (this.traits.isUniqueViolation(e)) throw nameTaken(c.name);
      throw e;
    }
  }

  async update(id: number, p: ConnectionPatch): Promise<Connection> {
    try {
      await atomically(this.db, async (trx) => {
        if (Object.keys(p).length > 0) await trx.updateTable('connections').set(p).where('id', '=', id).execute();
        // Datastores carry their connection's type, host and port (filtered and sorted on their own row).
        const copied = { ...(p.type !== undefined ? { type: p.type } : {}), ...(p.host !== undefined ? { host: p.host } : {}), ...(p.port !== undefined ? { port: p.port } : {}) };
        if (Object.keys(copied).length > 0) await trx.updateTable('datastores').set(copied).where('connection_id', '=', id).execute();
      });
    } catch (e) {
      if (this.traits.isUniqueViolation(e)) throw nameTaken(p.name ?? '');
      throw e;
    }
    const c = await this.findById(id);
    if (!c) throw notFound('Connection');
    return c;
  }

  async inUse(id: number): Promise<boolean> {
    return (await this.db.selectFrom('datastores').select('id').where('connection_id', '=', id).limit(1).executeTakeFirst()) !== undefined;
  }

  async delete(id: number): Promise<void> {
    await this.db.deleteFrom('connections').where('id', '=', id).execute();
  }
}
