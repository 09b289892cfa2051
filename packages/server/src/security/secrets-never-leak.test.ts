import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKeyring, signatureMatches } from '@gatehouse/core';
import { createTestDatabase, DIALECTS } from '@gatehouse/db/test-support';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { parseSecrets } from '../secrets.js';
import { createServer } from '../server.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, describeOnEachDatabase, NO_LIMITS, TEST_SECRET, testPasswords, type TestApp } from '../test-support/test-app.js';

/*
 * Secrets never leak (issue 6): no token, password, session cookie or Authorization value in
 * the logs, error bodies, audit events or metrics; the database holds only HMAC hashes; key
 * rotation keeps old tokens working until their key is retired.
 */

const logs: string[] = [];
const logger = { level: 'debug', stream: { write: (line: string) => void logs.push(line) } };
const keyring = createKeyring(parseSecrets(TEST_SECRET));

interface Secrets {
  tokens: string[];
  passwords: string[];
  cookies: string[];
}

/** Every way a secret could show: whole, and a token's signature (the part that cannot be recomputed). */
function needles(s: Secrets): string[] {
  return [...s.tokens, ...s.tokens.map((t) => t.split('.')[2]!), ...s.passwords, ...s.cookies];
}

/** Runs what an installation does in its life, recording every answer and every secret it made. */
async function fullLifecycle(t: TestApp): Promise<{ secrets: Secrets; answers: LightMyRequestResponse[]; withSecret: Set<LightMyRequestResponse> }> {
  const secrets: Secrets = { tokens: [t.adminToken], passwords: [ADMIN_PASSWORD], cookies: [] };
  const answers: LightMyRequestResponse[] = [];
  const withSecret = new Set<LightMyRequestResponse>(); // answers whose very purpose is to hand a secret over
  const call = async (opts: Parameters<TestApp['request']>[0], handsOverSecret = false) => {
    const res = await t.request({ headers: { 'user-agent': 'leak-test' }, ...opts });
    answers.push(res);
    if (handsOverSecret) {
      withSecret.add(res);
      expect(res.statusCode, `${opts.method} ${opts.url}: ${res.body}`).toBe(200);
    }
    return res;
  };
  const cookieOf = (res: LightMyRequestResponse) => String(res.headers['set-cookie']).split(';')[0]!;

  const adminLogin = await call({ method: 'POST', url: '/api/auth/login', payload: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } }, true);
  const admin = cookieOf(adminLogin);
  secrets.cookies.push(admin.split('=')[1]!);
  const wrong = 'Wr0ng-but-secret-password-7f3a';
  secrets.passwords.push(wrong);
  await call({ method: 'POST', url: '/api/auth/login', payload: { email: ADMIN_EMAIL, password: wrong } });
  await call({ method: 'POST', url: '/api/auth/login', payload: { email: 'ghost@example.com', password: wrong } });

  const humanPassword = 'human-password-9d8c7b6a';
  const shortPassword = 'sh0rt-9z';
  secrets.passwords.push(humanPassword, shortPassword);
  await call({ method: 'POST', url: '/api/users', cookie: admin, payload: { user_type: 'Human', email: 'weak@example.com', name: 'Weak', role: 'Member', password: shortPassword } });
  const human = await call({ method: 'POST', url: '/api/users', cookie: admin, payload: { user_type: 'Human', email: 'leak-human@example.com', name: 'Leak Human', role: 'Editor', password: humanPassword } });
  const humanLogin = await call({ method: 'POST', url: '/api/auth/login', payload: { email: 'leak-human@example.com', password: humanPassword } }, true);
  const humanCookie = cookieOf(humanLogin);
  secrets.cookies.push(humanCookie.split('=')[1]!);
  const personal = await call({ method: 'POST', url: '/api/user-tokens', cookie: humanCookie, payload: { name: 'laptop', expires_in_days: 30 } }, true);
  secrets.tokens.push(personal.json().bearer_token);
  await call({ method: 'GET', url: '/api/users/me', token: personal.json().bearer_token });
  await call({ method: 'POST', url: '/api/datastores', token: personal.json().bearer_token, payload: { name: 'warehouse', type: 'snowflake' } });

  const sa = await call({ method: 'POST', url: '/api/users', token: t.adminToken, payload: { name: 'Leak Robot', role: 'Editor', teams: [] } });
  const service = await call({ method: 'POST', url: '/api/user-tokens', token: t.adminToken, payload: { name: 'ci', user_id: sa.json().id, expires_in_days: 365 } }, true);
  secrets.tokens.push(service.json().bearer_token);
  await call({ method: 'GET', url: '/api/datastores', token: service.json().bearer_token });
  const idp = await call({ method: 'POST', url: '/api/users', token: t.adminToken, payload: { name: 'Leak IdP', role: 'Admin', teams: [] } });
  const scim = await call({ method: 'POST', url: '/api/user-tokens', token: t.adminToken, payload: { name: 'idp', user_id: idp.json().id, scim_endpoints_only: true } }, true);
  secrets.tokens.push(scim.json().bearer_token);
  await call({ method: 'GET', url: '/api/scim/v2/Users', token: scim.json().bearer_token });
  await call({ method: 'GET', url: '/api/users/me', token: scim.json().bearer_token });

  const rotated = await call({ method: 'POST', url: `/api/user-tokens/${service.json().id}/rotate`, token: t.adminToken }, true);
  secrets.tokens.push(rotated.json().bearer_token);
  await call({ method: 'GET', url: '/api/datastores', token: service.json().bearer_token }); // old secret: 401
  await call({ method: 'POST', url: '/api/introspect', token: t.adminToken, payload: { token: rotated.json().bearer_token } });
  await call({ method: 'POST', url: '/api/introspect', token: t.adminToken, payload: { token: service.json().bearer_token } });

  await call({ method: 'PUT', url: `/api/user-tokens/${personal.json().id}`, token: t.adminToken, payload: { revoke: true } });
  await call({ method: 'GET', url: '/api/users/me', token: personal.json().bearer_token });
  await call({ method: 'PUT', url: `/api/user-tokens/${personal.json().id}`, token: t.adminToken, payload: { revoke: false } });
  await call({ method: 'GET', url: '/api/users/me', token: personal.json().bearer_token });
  await call({ method: 'DELETE', url: `/api/user-tokens/${personal.json().id}`, token: t.adminToken }); // 409: revoke first
  await call({ method: 'PUT', url: `/api/user-tokens/${personal.json().id}`, token: t.adminToken, payload: { revoke: true } });
  await call({ method: 'DELETE', url: `/api/user-tokens/${personal.json().id}`, token: t.adminToken });
  await call({ method: 'GET', url: '/api/users/me', token: personal.json().bearer_token });

  // Misuse: credentials where they do not belong, forged ones, bad input carrying a secret.
  const [h, p] = rotated.json().bearer_token.split('.');
  await call({ method: 'GET', url: `/api/users/me?access_token=${rotated.json().bearer_token}` });
  await call({ method: 'GET', url: `/setup?token=${rotated.json().bearer_token}` });
  await call({ method: 'GET', url: '/api/users/me', headers: { authorization: `Bearer ${h}.${p}.${'x'.repeat(43)}` } });
  await call({ method: 'GET', url: '/api/users/me', headers: { authorization: `Basic ${rotated.json().bearer_token}` } });
  await call({ method: 'GET', url: '/api/users/me', headers: { authorization: `Bearer ${rotated.json().bearer_token} extra` } });
  await call({ method: 'POST', url: '/api/user-tokens', token: t.adminToken, payload: { name: rotated.json().bearer_token } });
  await call({ method: 'POST', url: '/api/user-tokens', token: t.adminToken, payload: { name: 'x', expires_in_days: rotated.json().bearer_token } });
  await call({ method: 'POST', url: '/api/user-tokens', token: t.adminToken, payload: `{"name": "${rotated.json().bearer_token}` });
  await call({ method: 'GET', url: `/api/user-tokens/${rotated.json().bearer_token}`, token: t.adminToken });
  await call({ method: 'POST', url: '/api/auth/login', payload: { email: humanPassword, password: humanPassword } });
  await call({ method: 'PUT', url: `/api/users/${human.json().id}`, token: t.adminToken, payload: { password: humanPassword } });
  await call({ method: 'GET', url: '/api/users/me', cookie: `gatehouse_session=${secrets.cookies[1]}x` });

  await call({ method: 'POST', url: '/api/auth/logout', cookie: humanCookie });
  await call({ method: 'GET', url: '/api/users/me', cookie: humanCookie });
  await t.server.app.flushUsage(); // write-behind: last_used and the auth.failed groups
  return { secrets, answers, withSecret };
}

describeOnEachDatabase('secrets never leak', (app) => {
  it('a full lifecycle leaves no token, password or cookie in the logs, error bodies, audit events or metrics', async () => {
    const t = app();
    const { secrets, answers, withSecret } = await fullLifecycle(t);
    expect(answers.filter((a) => a.statusCode >= 400).length).toBeGreaterThan(10);

    const audit: unknown[] = [];
    for (let page = 1; ; page++) {
      const res = await t.request({ method: 'GET', url: `/api/audit-events?page=${page}&size=100`, token: t.adminToken });
      expect(res.statusCode).toBe(200);
      audit.push(...res.json().items);
      if (page * 100 >= res.json().total) break;
    }
    expect(audit.length).toBeGreaterThan(20);
    const metrics = (await t.request({ method: 'GET', url: '/metrics' })).body;
    const places: Record<string, string> = {
      logs: logs.join(''),
      'answers (bodies and headers)': answers.filter((a) => !withSecret.has(a)).map((a) => JSON.stringify(a.headers) + a.body).join('\n'),
      'audit events': JSON.stringify(audit),
      metrics,
    };
    expect(places.logs).toContain('"token":'); // token ids are logged…
    for (const a of answers.filter((x) => !withSecret.has(x))) {
      const text = JSON.stringify(a.headers) + a.body;
      for (const secret of needles(secrets)) expect(text.includes(secret), `an answer (${a.statusCode} ${a.body.slice(0, 200)}) contains a secret`).toBe(false);
    }
    for (const [where, text] of Object.entries(places)) {
      for (const secret of needles(secrets)) expect(text.includes(secret), `${where} contain a secret (${secret.slice(0, 12)}…)`).toBe(false);
    }
    expect(places.logs).toContain('access_token=[redacted]');
  });

  it('the raw tables hold HMAC hashes only: no token, no password, no session id', async () => {
    const t = app();
    const { secrets } = await fullLifecycle(t);
    const db = t.server.store.db;
    const tables =
      t.server.store.dialect === 'sqlite'
        ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db)).rows.map((r) => r.name)
        : (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(db)).rows.map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['users', 'tokens', 'sessions', 'audit_events']));
    let dump = '';
    for (const table of tables) dump += JSON.stringify((await sql`select * from ${sql.table(table)}`.execute(db)).rows);
    for (const secret of needles(secrets)) expect(dump.includes(secret), `the database holds a secret (${secret.slice(0, 12)}…)`).toBe(false);

    const tokens = (await sql<{ token_hash: string; kid: string }>`select token_hash, kid from tokens`.execute(db)).rows;
    const hashes = new Set(tokens.map((r) => r.token_hash));
    for (const r of tokens) expect(r.token_hash).toMatch(/^[0-9a-f]{64}$/);
    // The current secret of every live token is stored as HMAC-SHA256(pepper, token) — nothing else.
    for (const token of [t.adminToken, secrets.tokens.at(-1)!]) {
      expect(hashes.has(createHmac('sha256', keyring.signing.hashKey).update(token).digest('hex'))).toBe(true);
    }
    const sessions = (await sql<{ id_hash: string }>`select id_hash from sessions`.execute(db)).rows;
    expect(sessions.length).toBeGreaterThan(0);
    for (const s of sessions) expect(s.id_hash).toMatch(/^[0-9a-f]{64}$/);
    const adminSession = createHmac('sha256', keyring.sessionKey).update(secrets.cookies[0]!).digest('hex');
    expect(sessions.map((s) => s.id_hash)).toContain(adminSession);
    const passwords = (await sql<{ password_hash: string | null }>`select password_hash from users where password_hash is not null`.execute(db)).rows;
    for (const p of passwords) expect(p.password_hash).toMatch(/^\$argon2id\$/);
  });
}, {}, { logger });

describe('constant-time comparisons', () => {
  it('the signature check compares in constant time and refuses any difference, including length', () => {
    const key = keyring.signing;
    const input = 'eyJhbGciOiJIUzI1NiJ9.eyJhIjoxfQ';
    const good = `${input}.${createHmac('sha256', key.jwtKey).update(input).digest('base64url')}`;
    expect(signatureMatches(key, good)).toBe(true);
    expect(signatureMatches(key, `${good.slice(0, -1)}A`)).toBe(false);
    expect(signatureMatches(key, `${good}A`)).toBe(false);
    expect(signatureMatches(key, `${input}.`)).toBe(false);
  });

  it('every comparison of a secret in the code uses timingSafeEqual or a keyed hash lookup (review pinned)', () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
    const read = (p: string) => readFileSync(join(root, p), 'utf8');
    // Signature, setup token and the CLI login nonce: timingSafeEqual after a length check.
    expect(read('core/src/tokens/jwt.ts')).toMatch(/given\.length === expected\.length && timingSafeEqual\(given, expected\)/);
    expect(read('core/src/use-cases/bootstrap.ts')).toMatch(/timingSafeEqual\(given, expected\)/);
    expect(read('server/src/routes/cli-authorize.ts')).toMatch(/timingSafeEqual\(a, b\)/);
    // Tokens and sessions are found by HMAC(secret key, value): a lookup timing tells nothing about the value.
    expect(read('core/src/auth/verify-bearer-token.ts')).toMatch(/findAuthRecordByHash\(\w+\)/);
    expect(read('core/src/use-cases/sessions.ts')).toMatch(/sessions\.find\(hashSessionId\(deps, sessionId\)/);
  });
});

describe.each(DIALECTS)('signing-key rotation end to end [$kind]', ({ kind, available }) => {
  it.skipIf(!available)('k1 issues; k2,k1 keeps k1 tokens and signs with k2; k2 alone retires k1 tokens', async () => {
    const db = await createTestDatabase(kind);
    const k1 = 'k1:first-secret-of-this-installation-0123456789';
    const k2 = 'k2:second-secret-of-this-installation-987654321';
    const start = async (secret: string) => {
      const env = {
        GATEHOUSE_DATA_DIR: db.dataDir,
        ...(db.databaseUrl ? { GATEHOUSE_DATABASE_URL: db.databaseUrl } : {}),
        GATEHOUSE_SECRET: secret,
        GATEHOUSE_ADMIN_EMAIL: ADMIN_EMAIL,
        GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD,
        GATEHOUSE_LOG_LEVEL: 'silent',
        ...NO_LIMITS,
      };
      return createServer(loadConfig(env), { passwords: testPasswords, logger: false });
    };
    const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid;
    const me = (s: Awaited<ReturnType<typeof start>>, token: string) => s.app.inject({ method: 'GET', url: '/api/users/me', headers: { authorization: `Bearer ${token}` } }).then((r) => r.statusCode);
    const issue = async (s: Awaited<ReturnType<typeof start>>, name: string) => {
      const login = await s.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
      const cookie = String(login.headers['set-cookie']).split(';')[0]!;
      const res = await s.app.inject({ method: 'POST', url: '/api/user-tokens', headers: { cookie }, payload: { name } });
      expect(res.statusCode).toBe(200);
      return res.json().bearer_token as string;
    };
    try {
      const first = await start(k1);
      const old = await issue(first, 'old');
      expect(kidOf(old)).toBe('k1');
      await first.close();

      const both = await start(`${k2},${k1}`);
      expect(await me(both, old)).toBe(200);
      const fresh = await issue(both, 'fresh');
      expect(kidOf(fresh)).toBe('k2');
      expect(await me(both, fresh)).toBe(200);
      await both.close();

      const retired = await start(k2);
      expect(await me(retired, old)).toBe(401);
      expect(await me(retired, fresh)).toBe(200);
      await retired.close();
    } finally {
      await db.drop();
    }
  });
});
