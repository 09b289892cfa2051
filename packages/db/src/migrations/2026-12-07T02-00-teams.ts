import { sql, type Kysely } from 'kysely';
import { dialectOf } from './dialect-of.js';

// Frozen in time: never edit a migration that has shipped; add a new one.
//
// Teams at scale (issue 27): a team may hold every user (Public does).
// - users_folded_name: a team's members are listed by folded name then id (the order of
//   DialectTraits.folded); a page of a large team walks users in that order and stops after a
//   page instead of sorting every member. A sort index only: the user search's indexes are
//   another change's.
// - teams.user_count, kept by triggers on team_members, so that every path that adds or removes
//   a member (the API, SCIM, a user's teams, a user deleted, a team deleted, a seed) keeps it
//   exact; counting 200,000 members on each read took 7 ms (SQLite) to 40 ms (PostgreSQL). The
//   PostgreSQL triggers are per statement (transition tables): a statement that adds 10,000
//   members updates each team once.
// - users_service_id / users_human_id_only: users of one type in id order. With as many service
//   accounts as people, PostgreSQL read "service accounts, last page" backwards through the
//   primary key, filtering out every person created after them (100,000 rows, 35–65 ms), and
//   counted by a sequential scan from the wrong end: it drops ORDER BY user_type (the filter
//   fixes it) and so does not see that users_human_id (user_type, id) serves the order. A partial
//   index holds only that type's rows: both reads stop after the page (0.05 ms) or the bound.
export async function up(db: Kysely<any>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  const folded = pg ? sql.raw('(lower(name) collate "C")') : sql.raw('lower(name)');
  await sql`create index users_folded_name on users (${folded}, id)`.execute(db);
  await sql`create index users_service_id on users (id) where user_type = 'Service'`.execute(db);
  await sql`create index users_human_id_only on users (id) where user_type = 'Human'`.execute(db);

  await sql`alter table teams add column user_count integer not null default 0`.execute(db);
  await sql`update teams set user_count = (select count(*) from team_members m where m.team_id = teams.id)`.execute(db);
  if (pg) {
    await sql`create function team_members_added() returns trigger language plpgsql as $$
      begin
        update teams t set user_count = t.user_count + a.n from (select team_id, count(*) as n from added group by team_id) a where t.id = a.team_id;
        return null;
      end $$`.execute(db);
    await sql`create function team_members_removed() returns trigger language plpgsql as $$
      begin
        update teams t set user_count = t.user_count - r.n from (select team_id, count(*) as n from removed group by team_id) r where t.id = r.team_id;
        return null;
      end $$`.execute(db);
    await sql`create trigger team_members_count_added after insert on team_members referencing new table as added for each statement execute function team_members_added()`.execute(db);
    await sql`create trigger team_members_count_removed after delete on team_members referencing old table as removed for each statement execute function team_members_removed()`.execute(db);
  } else {
    await sql`create trigger team_members_count_added after insert on team_members begin update teams set user_count = user_count + 1 where id = new.team_id; end`.execute(db);
    await sql`create trigger team_members_count_removed after delete on team_members begin update teams set user_count = user_count - 1 where id = old.team_id; end`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  await sql`drop trigger if exists team_members_count_added ${pg ? sql`on team_members` : sql``}`.execute(db);
  await sql`drop trigger if exists team_members_count_removed ${pg ? sql`on team_members` : sql``}`.execute(db);
  if (pg) {
    await sql`drop function if exists team_members_added()`.execute(db);
    await sql`drop function if exists team_members_removed()`.execute(db);
  }
  await db.schema.alterTable('teams').dropColumn('user_count').execute();
  for (const name of ['users_folded_name', 'users_service_id', 'users_human_id_only']) await db.schema.dropIndex(name).ifExists().execute();
}
