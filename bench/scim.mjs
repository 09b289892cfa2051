// The SCIM scenario of `npm run bench` (issue 20, item 9): 100,000 people provisioned over SCIM,
// and the list requests identity providers make, filtered and paged by the database.
import { createKeyring, hashToken, mintJwt } from '@gatehouse/core';
import { openStore, userEmailRows } from '@gatehouse/db';
import { sql } from 'kysely';

const CHUNK = 500;

/** Seeds `users` SCIM-provisioned humans (straight through the store's tables) and a SCIM token; returns the token. */
export async function seedScimUsers({ databaseUrl, dataDir, pgSchema, secret, users }) {
  const store = openStore({ databaseUrl, dataDir, ...(pgSchema ? { pgSchema } : {}) });
  await store.migrate();
  const keyring = createKeyring([{ secret }]);
  const now = new Date();
  const time = (d) => (store.dialect === 'postgres' ? d : d.toISOString());
  const bool = (v) => (store.dialect === 'postgres' ? v : v ? 1 : 0);
  const publicTeam = await store.teams.ensurePublic(now);
  const admin = await store.users.create({ userId: 'scim-admin@example.com', email: 'scim-admin@example.com', name: 'SCIM Admin', type: 'Human', role: 'Admin', teamIds: [publicTeam.id], passwordHash: null, createdById: null, created: now });
  for (let i = 0; i < users; i += CHUNK) {
    const rows = [];
    for (let j = i; j < Math.min(users, i + CHUNK); j++) {
      const email = `user-${j}@corp.example`;
      rows.push({
        // Half plain user names (Okta, OneLogin), half e-mail addresses (Entra ID).
        user_id: j % 2 ? `user-${j}` : email, email, name: `Given${j} Family${j % 1000}`, user_type: 'Human', role: 'Member', active: bool(j % 10 !== 0),
        password_hash: null, created: time(new Date(now.getTime() - (users - j) * 1000)), created_by_id: admin.id, last_login: null,
        external_id: `ext-${j}`, given_name: `Given${j}`, family_name: `Family${j % 1000}`, last_modified: null, provisioned_by: 'scim', deactivated_by: j % 10 ? null : 'scim',
        formatted_name: null, oidc_issuer: null, oidc_subject: null,
        emails: JSON.stringify([{ value: email, type: 'work', display: null, primary: true }, { value: `u${j}@home.example`, type: 'home', display: null, primary: false }]),
      });
    }
    const ids = await store.db.insertInto('users').values(rows).returning('id').execute();
    // As the store writes them beside each user: the e-mails SCIM filters read.
    await store.db.insertInto('user_emails').values(ids.flatMap((r, k) => userEmailRows(r.id, rows[k].email, rows[k].emails, bool))).execute();
    await store.db.insertInto('team_members').values(ids.map((r) => ({ team_id: publicTeam.id, user_id: r.id }))).execute();
  }
  const { token, jti, kid } = mintJwt(keyring, { sub: admin.userId, uid: admin.id, iat: now, exp: null, token_type: 'Personal', scim: true });
  await store.db.insertInto('tokens').values({
    user_id: admin.id, name: 'scim', token_type: 'Personal', scim_endpoints_only: bool(true), expiration: null, created: time(now), created_by_id: admin.id,
    last_used: null, last_used_ip: null, revoked_at: null, token_hash: hashToken(keyring.signing, token), jti, kid,
  }).execute();
  // What autovacuum does within minutes of a bulk load: statistics, and the visibility map that
  // lets count(*) and deep pages read only the index (index-only scans).
  if (store.dialect === 'postgres') await sql`vacuum analyze users, user_emails`.execute(store.db);
  await store.close();
  return token;
}

/** The requests measured: what identity providers send, and paging deep into the list. */
export function scimRequests(users) {
  const some = (k) => Math.floor(users * k);
  const q = (filter, extra = '') => `/api/scim/v2/Users?filter=${encodeURIComponent(filter)}${extra}`;
  return [
    ['eq: userName eq (the lookup before every create)', q(`userName eq "user-${some(0.77) | 1}"`)],
    ['sw: userName sw', q(`userName sw "user-9999"`, '&count=100')],
    ['co: displayName co', q(`displayName co "n${some(0.5)} Fam"`)],
    ['and/or', q(`(name.familyName eq "Family123" and active eq true) or externalId eq "ext-${some(0.3)}"`, '&count=100')],
    ['emails[type eq "work"]', q(`emails[type eq "work" and value eq "user-${some(0.6)}@corp.example"]`)],
    ['paging: startIndex deep, count 100, no filter', `/api/scim/v2/Users?startIndex=${some(0.9)}&count=100`],
    ['paging: startIndex deep, count 100, active eq true', q('active eq true', `&startIndex=${some(0.8)}&count=100`)],
  ];
}
