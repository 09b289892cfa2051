import { randomBytes } from 'node:crypto';
import type { OpenedStore } from './open-store.js';
import { userEmailRows } from './rows.js';

/** Rows per INSERT: under SQLite's bound-parameter limit for the widest row (tokens, 15 columns). */
const CHUNK = 1000;

/** Words that token names start with, so that a name search finds a few of many. */
const WORDS = ['api', 'etl', 'deploy', 'backup', 'ingest', 'report', 'sync', 'export', 'import', 'monitor', 'billing', 'search'];

export interface SeedListsOptions {
  serviceAccounts: number;
  people: number;
  /** Service tokens, spread over the service accounts. */
  tokens: number;
  /** Audit events (token.created / token.revoked / user.login), spread over the actors. Default 0. */
  auditEvents?: number;
  /** The newest token's creation time; older ones are a second apart each. Default: now. */
  now?: Date;
  /** A team holding the first `people` people (the teams list and its members at scale). */
  team?: { name: string; people: number };
  /** More teams, `team-<n>`, of `people` people each (consecutive people, wrapping around). */
  teams?: { count: number; people: number };
  /** Called after each chunk of tokens written, with how many so far. */
  onProgress?: (written: number) => void;
}

/**
 * Fills a store with many users and tokens for the list benchmarks and the browser test of
 * issue 27: service accounts `svc_<n>@service`, people `person<n>@example.com`, and service
 * tokens named `<word>-<n>` (created a second apart, every 7th revoked), in multi-row INSERTs
 * straight through the store's database (no use case, no audit event: fixtures, not history).
 * Users join Public if it exists. Returns the ids of the first service account and person.
 */
export async function seedLists(store: OpenedStore, o: SeedListsOptions): Promise<{ firstServiceAccountId: number; firstPersonId: number }> {
  const db = store.db;
  const pg = store.dialect === 'postgres';
  const now = o.now ?? new Date();
  const time = (d: Date) => (pg ? d : d.toISOString());
  const bool = (v: boolean) => (pg ? v : v ? 1 : 0);
  const run = randomBytes(4).toString('hex');
  const publicTeam = await db.selectFrom('teams').select('id').where('name', '=', 'Public').executeTakeFirst();

  const insertUsers = async (count: number, make: (i: number) => { user_id: string; email: string | null; name: string; user_type: string }) => {
    let firstId = 0;
    for (let i = 0; i < count; i += CHUNK) {
      const rows = [];
      for (let j = i; j < Math.min(count, i + CHUNK); j++) {
        rows.push({
          ...make(j), role: 'Member', active: bool(true), password_hash: null, created: time(now), created_by_id: null, last_login: null,
          external_id: null, given_name: null, family_name: null, last_modified: null, provisioned_by: 'local', deactivated_by: null,
        });
      }
      const ids = await db.insertInto('users').values(rows).returning('id').execute();
      if (i === 0) firstId = ids[0]?.id ?? 0;
      // What the store writes beside each user: the e-mails SCIM filters read.
      const addresses = rows.map((r) => r.email);
      const emails = ids.flatMap((r, k) => userEmailRows(r.id, addresses[k] ?? null, null, bool));
      if (emails.length > 0) await db.insertInto('user_emails').values(emails).execute();
      if (publicTeam) await db.insertInto('team_members').values(ids.map((r) => ({ team_id: publicTeam.id, user_id: r.id }))).execute();
    }
    return firstId;
  };

  const firstServiceAccountId = await insertUsers(o.serviceAccounts, (i) => ({ user_id: `svc_${run}_${i}@service`, email: null, name: `svc ${run} ${i}`, user_type: 'Service' }));
  const firstPersonId = await insertUsers(o.people, (i) => ({ user_id: `person${i}.${run}@example.com`, email: `person${i}.${run}@example.com`, name: `Person ${i}`, user_type: 'Human' }));

  if (o.team) {
    const team = await db.insertInto('teams').values({ name: o.team.name, description: `The first ${o.team.people} people`, created: time(now) }).returning('id').executeTakeFirstOrThrow();
    const people = Math.min(o.team.people, o.people);
    for (let i = 0; i < people; i += CHUNK) {
      const rows = [];
      for (let j = i; j < Math.min(people, i + CHUNK); j++) rows.push({ team_id: team.id, user_id: firstPersonId + j });
      await db.insertInto('team_members').values(rows).execute();
    }
  }

  if (o.teams && o.people > 0) {
    const per = Math.min(o.teams.people, o.people);
    for (let t = 0; t < o.teams.count; t++) {
      const team = await db.insertInto('teams').values({ name: `team-${run}-${t}`, description: null, created: time(now) }).returning('id').executeTakeFirstOrThrow();
      const rows = [];
      for (let j = 0; j < per; j++) rows.push({ team_id: team.id, user_id: firstPersonId + ((t * per + j) % o.people) });
      for (let i = 0; i < rows.length; i += CHUNK) await db.insertInto('team_members').values(rows.slice(i, i + CHUNK)).execute();
    }
  }

  // Ids of one INSERT's users are consecutive on both databases (one statement, no other writer).
  if (o.tokens > 0 && o.serviceAccounts === 0) throw new Error('tokens need at least one service account');
  const accounts = await db.selectFrom('users').select('id').where('user_type', '=', 'Service').where('user_id', 'like', `svc_${run}_%`).orderBy('id').execute();
  for (let i = 0; i < o.tokens; i += CHUNK) {
    const rows = [];
    for (let j = i; j < Math.min(o.tokens, i + CHUNK); j++) {
      const created = new Date(now.getTime() - (o.tokens - j) * 1000);
      const revoked = j % 7 === 3;
      rows.push({
        user_id: accounts[j % accounts.length]!.id, name: `${WORDS[j % WORDS.length]}-${j}`, token_type: 'Service', scim_endpoints_only: bool(false),
        expiration: j % 5 === 0 ? time(new Date(now.getTime() + 90 * 86_400_000)) : null, created: time(created), created_by_id: null,
        last_used: j % 3 === 0 ? time(created) : null, last_used_ip: j % 3 === 0 ? '10.0.0.1' : null, revoked_at: revoked ? time(now) : null,
        token_hash: `seed-${run}-${j}`, jti: `seed-${run}-${j}`, kid: 'seed', revoked_by_id: null, revoke_reason: revoked ? 'admin' : null,
      });
    }
    await db.insertInto('tokens').values(rows).execute();
    o.onProgress?.(Math.min(o.tokens, i + CHUNK));
  }
  for (let i = 0; i < (o.auditEvents ?? 0); i += CHUNK) {
    const rows = [];
    for (let j = i; j < Math.min(o.auditEvents!, i + CHUNK); j++) {
      rows.push({
        at: time(new Date(now.getTime() - (o.auditEvents! - j) * 1000)), actor_user_id: o.people > 0 ? firstPersonId + (j % o.people) : null, actor_token_id: null,
        action: ['token.created', 'token.revoked', 'user.login'][j % 3]!, target_type: 'token', target_id: String(j), ip: '10.0.0.2', user_agent: 'seed',
        outcome: 'success', details: null,
      });
    }
    await db.insertInto('audit_events').values(rows).execute();
  }
  return { firstServiceAccountId, firstPersonId };
}
