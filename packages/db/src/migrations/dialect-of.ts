import { PostgresAdapter, type Kysely } from 'kysely';

/** Which database a migration runs on: the only place where migrations branch. */
export function dialectOf(db: Kysely<any>): 'postgres' | 'sqlite' {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
