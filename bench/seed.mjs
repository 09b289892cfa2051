// Seeds a benchmark database straight through the store (never through HTTP): users, teams,
// datastores, and a given number of tokens, of which `minted` are real (their secrets are
// returned) and the rest filler rows with random hashes.
import { randomBytes } from 'node:crypto';
import { bootstrap, createKeyring, hashToken, LocalAuthChangeBus, mintJwt, systemClock } from '@gatehouse/core';
import { openStore } from '@gatehouse/db';

const CHUNK = 2000;

export async function seed({ databaseUrl, dataDir, pgSchema, secret, tokens, minted, datastores = 1000 }) {
  const store = openStore({ databaseUrl, dataDir, ...(pgSchema ? { pgSchema } : {}) });
  await store.migrate();
  const keyring = createKeyring([{ secret }]);
  const deps = { store, clock: systemClock, keyring, passwords: { hash: async () => 'x', verify: async () => false }, changes: new LocalAuthChangeBus(), policy: { maxLifetimeDays: null } };
  await bootstrap(deps, null);
  const now = new Date();
  const time = store.dialect === 'postgres' ? now : now.toISOString();
  const bool = (v) => (store.dialect === 'postgres' ? v : v ? 1 : 0);

  const publicTeam = await store.teams.ensurePublic(now);
  const teams = [];
  for (let i = 0; i < 10; i++) teams.push(await store.teams.create({ name: `Team ${i}`, description: null, userIds: [], created: now }));
  const admin = await store.users.create({ userId: 'bench-admin@example.com', email: 'bench-admin@example.com', name: 'Bench Admin', type: 'Human', role: 'Admin', teamIds: [publicTeam.id], passwordHash: null, createdById: null, created: now });
  const member = await store.users.create({ userId: 'bench-member@example.com', email: 'bench-member@example.com', name: 'Bench Member', type: 'Human', role: 'Member', teamIds: [publicTeam.id, teams[0].id, teams[1].id, teams[2].id], passwordHash: null, createdById: null, created: now });
  const owners = [];
  for (let i = 0; i < 100; i++) owners.push(await store.users.create({ userId: `bench_${i}@service`, email: null, name: `bench ${i}`, type: 'Service', role: 'Member', teamIds: [publicTeam.id], passwordHash: null, createdById: admin.id, created: now }));

  const mint = (user, type = 'Service') => {
    const { token, jti, kid } = mintJwt(keyring, { sub: user.userId, uid: user.id, iat: now, exp: null, token_type: type });
    return { token, jti, kid, hash: hashToken(keyring.signing, token) };
  };
  const row = (userId, name, t, type = 'Service') => ({
    user_id: userId, name, token_type: type, scim_endpoints_only: bool(false), expiration: null, created: time, created_by_id: admin.id,
    last_used: null, last_used_ip: null, revoked_at: null, token_hash: t.hash, jti: t.jti, kid: t.kid,
  });

  const adminToken = mint(admin, 'Personal');
  const memberToken = mint(member, 'Personal');
  await store.db.insertInto('tokens').values([row(admin.id, 'bench-admin', adminToken, 'Personal'), row(member.id, 'bench-member', memberToken, 'Personal')]).execute();

  const secrets = [];
  let batch = [];
  const flush = async () => {
    if (batch.length) await store.db.insertInto('tokens').values(batch).execute();
    batch = [];
  };
  for (let i = 0; i < tokens; i++) {
    const owner = owners[i % owners.length];
    let t;
    if (i < minted) {
      t = mint(owner);
      secrets.push(t.token);
    } else {
      t = { hash: randomBytes(32).toString('hex'), jti: randomBytes(18).toString('base64url'), kid: keyring.signing.kid };
    }
    batch.push(row(owner.id, `t${i}`, t));
    if (batch.length === CHUNK) await flush();
  }
  await flush();

  const dsRows = [];
  for (let i = 0; i < datastores; i++) {
    dsRows.push({ name: `ds-${String(i).padStart(4, '0')}`, type: ['postgresql', 'snowflake', 'bigquery', 'databricks'][i % 4], host: `db${i}.example.com`, port: 5432, database_name: 'analytics', schema_name: 'public', created: time, created_by_id: admin.id });
  }
  for (let i = 0; i < dsRows.length; i += CHUNK) {
    const ids = await store.db.insertInto('datastores').values(dsRows.slice(i, i + CHUNK)).returning('id').execute();
    await store.db.insertInto('datastore_teams').values(ids.map((r, j) => ({ datastore_id: r.id, team_id: teams[(i + j) % teams.length].id }))).execute();
  }
  await store.close();
  return { adminToken: adminToken.token, memberToken: memberToken.token, secrets };
}
