import type { Session, SessionStore } from '@gatehouse/core';
import type { Kysely } from 'kysely';
import { toDate, type DialectTraits } from './dialect.js';
import { usersFromRows } from './rows.js';
import type { Database } from './schema.js';

export class KyselySessionStore implements SessionStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly traits: DialectTraits,
  ) {}

  async create(s: { idHash: string; userId: number; created: Date; expires: Date }): Promise<void> {
    // Expired sessions of this user go at the same time, so the table does not grow forever.
    await this.db.deleteFrom('sessions').where('user_id', '=', s.userId).where('expires', '<=', this.traits.time(s.created)).execute();
    await this.db
      .insertInto('sessions')
      .values({ id_hash: s.idHash, user_id: s.userId, created: this.traits.time(s.created), expires: this.traits.time(s.expires) })
      .execute();
  }

  async find(idHash: string, now: Date): Promise<Session | undefined> {
    const r = await this.db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .selectAll('u')
      .select(['s.id as session_id', 's.expires'])
      .where('s.id_hash', '=', idHash)
      .where('s.expires', '>', this.traits.time(now))
      .executeTakeFirst();
    if (!r) return undefined;
    const [user] = await usersFromRows(this.db, [r]);
    return { id: r.session_id, user: user!, expires: toDate(r.expires) };
  }

  async delete(idHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  async deleteAllOfUser(userId: number): Promise<void> {
    await this.db.deleteFrom('sessions').where('user_id', '=', userId).execute();
  }
}
