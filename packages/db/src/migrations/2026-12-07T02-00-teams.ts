import { sql, type Kysely } from 'kysely';
import { dialectOf } from './dialect-of.js';

// Frozen in time: never edit a migration that has shipped; add a new one.
//
// Teams at scale (issue 27): a team may hold every user (Public does).
// - teams.user_count, kept by triggers on team_members, so that every path that adds or removes
//   a member (the API, SCIM, a user's teams, a user deleted, a team deleted, a seed) keeps it
//   exact; counting 200,000 members on each read took 7 ms (SQLite) to 40 ms (PostgreSQL). The
//   PostgreSQL triggers are per statement (transition tables): a statement that adds 10,000
//   members updates each team once.
// - team_members.member_name, the member's name, kept by triggers (set on insert, followed on a
//   rename), and team_members_folded_name (team_id, folded name, user_id): a team's members by
//   name are one range of one index, so that any page of any team stops after a page. Walking
//   users in name order instead is fast only when the team's members are spread over the names
//   (a 50,000-member team among 100,000 "svc …" accounts: 110 ms a last page), and sorting the
//   members costs their number (100,000: 17 ms on SQLite, 160 ms on PostgreSQL).
// - users_service_id / users_human_id_only: users of one type in id order. With as many service
//   accounts as people, PostgreSQL read "service accounts, last page" backwards through the
//   primary key, filtering out every person created after them (100,000 rows, 35–65 ms), and
//   counted by a sequential scan from the wrong end: it drops ORDER BY user_type (the filter
//   fixes it) and so does not see that users_human_id (user_type, id) serves the order. A partial
//   index holds only that type's rows: both reads stop after the page (0.05 ms) or the bound.
export async function up(db: Kysely<any>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  // Must be written exactly as DialectTraits.folded writes it.
  const folded = pg ? sql.raw('(lower(member_name) collate "C")') : sql.raw('lower(member_name)');
  await sql`create index users_service_id on users (id) where user_type = 'Service'`.execute(db);
  await sql`create index users_human_id_only on users (id) where user_type = 'Human'`.execute(db);

  await sql`alter table teams add column user_count integer not null default 0`.execute(db);
  await sql`update teams set user_count = (select count(*) from team_members m where m.team_id = teams.id)`.execute(db);
  await sql`alter table team_members add column member_name text`.execute(db);
  await sql`update team_members set member_name = (select u.name from users u where u.id = team_members.user_id)`.execute(db);
  await sql`create index team_members_folded_name on team_members (team_id, ${folded}, user_id)`.execute(db);

  if (pg) {
    // Each trigger first locks the teams it counts in id order: statements that change members of
    // the same teams (a new user joins Public and two teams) would otherwise lock the rows in
    // plan order and deadlock one another (PostgreSQL breaks it after deadlock_timeout, 1 s).
    await sql`create function team_members_added() returns trigger language plpgsql as $$
      begin
        perform 1 from teams where id in (select team_id from added) order by id for no key update;
        update teams t set user_count = t.user_count + a.n from (select team_id, count(*) as n from added group by team_id) a where t.id = a.team_id;
        return null;
      end $$`.execute(db);
    await sql`create function team_members_removed() returns trigger language plpgsql as $$
      begin
        perform 1 from teams where id in (select team_id from removed) order by id for no key update;
        update teams t set user_count = t.user_count - r.n from (select team_id, count(*) as n from removed group by team_id) r where t.id = r.team_id;
        return null;
      end $$`.execute(db);
    await sql`create trigger team_members_count_added after insert on team_members referencing new table as added for each statement execute function team_members_added()`.execute(db);
    await sql`create trigger team_members_count_removed after delete on team_members referencing old table as removed for each statement execute function team_members_removed()`.execute(db);
    await sql`create function team_members_name() returns trigger language plpgsql as $$
      begin
        new.member_name := (select u.name from users u where u.id = new.user_id);
        return new;
      end $$`.execute(db);
    await sql`create trigger team_members_name before insert on team_members for each row execute function team_members_name()`.execute(db);
    await sql`create function users_renamed() returns trigger language plpgsql as $$
      begin
        update team_members set member_name = new.name where user_id = new.id;
        return null;
      end $$`.execute(db);
    await sql`create trigger users_renamed after update of name on users for each row when (old.name is distinct from new.name) execute function users_renamed()`.execute(db);
  } else {
    await sql`create trigger team_members_count_added after insert on team_members begin
      update teams set user_count = user_count + 1 where id = new.team_id;
      update team_members set member_name = (select u.name from users u where u.id = new.user_id) where team_id = new.team_id and user_id = new.user_id;
    end`.execute(db);
    await sql`create trigger team_members_count_removed after delete on team_members begin update teams set user_count = user_count - 1 where id = old.team_id; end`.execute(db);
    await sql`create trigger users_renamed after update of name on users when old.name is not new.name begin
      update team_members set member_name = new.name where user_id = new.id;
    end`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  const on = (table: string) => (pg ? sql`on ${sql.raw(table)}` : sql``);
  for (const [name, table] of [['team_members_count_added', 'team_members'], ['team_members_count_removed', 'team_members'], ['team_members_name', 'team_members'], ['users_renamed', 'users']] as const) {
    await sql`drop trigger if exists ${sql.raw(name)} ${on(table)}`.execute(db);
  }
  if (pg) {
    for (const f of ['team_members_added', 'team_members_removed', 'team_members_name', 'users_renamed']) await sql`drop function if exists ${sql.raw(f)}()`.execute(db);
  }
  for (const name of ['team_members_folded_name', 'users_service_id', 'users_human_id_only']) await db.schema.dropIndex(name).ifExists().execute();
  await db.schema.alterTable('team_members').dropColumn('member_name').execute();
  await db.schema.alterTable('teams').dropColumn('user_count').execute();
}
