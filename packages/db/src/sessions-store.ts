import type { LoginAttemptStore, NewSession, Session, SessionInfo, SessionStore } from '@gatehouse/core';
import type { Kysely } from 'kysely';
import { toDate, type DialectTraits } from './dialect.js';
import { usersFromRows } from './rows.js';
import type { Database } from './schema.js';

export class KyselySessionStore implements SessionStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly traits: DialectTraits,
  ) {}

  async create(s: NewSession): Promise<number> {
    // Expired sessions of this user go at the same time, so the table does not grow forever.
    await this.db.deleteFrom('sessions').where('user_id', '=', s.userId).where('expires', '<=', this.traits.time(s.created)).execute();
    const row = await this.db
      .insertInto('sessions')
      .values({
        id_hash: s.idHash,
        user_id: s.userId,
        created: this.traits.time(s.created),
        expires: this.traits.time(s.expires),
        last_seen: this.traits.time(s.created),
        ip: s.ip,
        user_agent: s.userAgent?.slice(0, 512) ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async find(idHash: string, now: Date): Promise<Session | undefined> {
    const r = await this.db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .selectAll('u')
      .select(['s.id as session_id', 's.expires', 's.created as session_created', 's.last_seen'])
      .where('s.id_hash', '=', idHash)
      .where('s.expires', '>', this.traits.time(now))
      .executeTakeFirst();
    if (!r) return undefined;
    const [user] = await usersFromRows(this.db, [r]);
    return { id: r.session_id, user: user!, expires: toDate(r.expires), lastSeen: toDate(r.last_seen ?? r.session_created) };
  }

  async listOfUser(userId: number, now: Date): Promise<SessionInfo[]> {
    const rows = await this.db
      .selectFrom('sessions')
      .select(['id', 'created', 'expires', 'last_seen', 'ip', 'user_agent'])
      .where('user_id', '=', userId)
      .where('expires', '>', this.traits.time(now))
      .orderBy('id', 'desc')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      created: toDate(r.created),
      expires: toDate(r.expires),
      lastSeen: toDate(r.last_seen ?? r.created),
      ip: r.ip,
      userAgent: r.user_agent,
    }));
  }

  async touch(id: number, at: Date, client: { ip: string | null; userAgent: string | null }): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ last_seen: this.traits.time(at), ...(client.ip !== null ? { ip: client.ip } : {}), ...(client.userAgent !== null ? { user_agent: client.userAgent.slice(0, 512) } : {}) })
      .where('id', '=', id)
      .execute();
  }

  async deleteOfUser(userId: number, id: number): Promise<boolean> {
    const r = await this.db.deleteFrom('sessions').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async delete(idHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  async deleteAllOfUser(userId: number, exceptId?: number): Promise<number> {
    let q = this.db.deleteFrom('sessions').where('user_id', '=', userId);
    if (exceptId !== undefined) q = q.where('id', '!=', exceptId);
    const r = await q.executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

export class KyselyLoginAttemptStore implements LoginAttemptStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly traits: DialectTraits,
  ) {}

  async countSince(accountHash: string, since: Date): Promise<{ count: number; oldest: Date | null }> {
    const r = await this.db
      .selectFrom('login_attempts')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('at').as('oldest')])
      .where('account_hash', '=', accountHash)
      .where('at', '>=', this.traits.time(since))
      .executeTakeFirstOrThrow();
    return { count: Number(r.n), oldest: r.oldest === null ? null : toDate(r.oldest as string | Date) };
  }

  async add(accountHash: string, at: Date, pruneBefore: Date): Promise<number> {
    await this.db.deleteFrom('login_attempts').where('account_hash', '=', accountHash).where('at', '<', this.traits.time(pruneBefore)).execute();
    const row = await this.db.insertInto('login_attempts').values({ account_hash: accountHash, at: this.traits.time(at) }).returning('id').executeTakeFirstOrThrow();
    return row.id;
  }

  async remove(id: number): Promise<void> {
    await this.db.deleteFrom('login_attempts').where('id', '=', id).execute();
  }
}
