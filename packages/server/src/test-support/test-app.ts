import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManualClock, type Role, type RouteScope } from '@gatehouse/core';
import { createTestDatabase, DIALECTS, type TestDatabase } from '@gatehouse/db/test-support';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { loadConfig, type Config } from '../config.js';
import type { LogSetting } from '../http/logging.js';
import { argon2Passwords } from '../passwords.js';
import { createServer, type GatehouseServer } from '../server.js';

export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'correct-horse-battery-staple';
export const TEST_SECRET = 'test-secret-that-is-long-enough-0123456789';

/** The built UI's page, which the test apps serve when `npm run build` has built it. */
export const UI_INDEX = resolve(dirname(fileURLToPath(import.meta.url)), '../../../web/dist/index.html');
/** Tests of the built UI skip without it, except in CI (GATEHOUSE_REQUIRE_ALL=1), where they fail. */
export const skipWithoutBuiltUi = !existsSync(UI_INDEX) && process.env.GATEHOUSE_REQUIRE_ALL !== '1';

/** Light Argon2id parameters so that tests stay fast; production uses the defaults. */
export const testPasswords = argon2Passwords({ memoryCost: 1024, timeCost: 1 });

export interface TestApp {
  server: GatehouseServer;
  db: TestDatabase;
  clock: ManualClock;
  /** An Admin's personal token. */
  adminToken: string;
  adminId: number;
  request(opts: InjectOptions & { token?: string | undefined; cookie?: string }): Promise<LightMyRequestResponse>;
  /** A user with a role (human by default) and a personal token of theirs (or a service token). */
  makeUser(opts?: { role?: Role; type?: 'Human' | 'Service'; teams?: string[]; name?: string }): Promise<{ id: number; userId: string; token: string; tokenId: number }>;
  /** A token created through the API by the given caller. */
  makeToken(callerToken: string, body: Record<string, unknown>): Promise<{ id: number; bearer_token: string } & Record<string, unknown>>;
  login(email?: string, password?: string): Promise<string>;
  close(): Promise<void>;
}

let n = 0;

/**
 * Abuse limits are off in test apps (suites send many logins, tokens and bad tokens from one
 * address); the abuse-limit tests turn them on with low values through `env`.
 */
export const NO_LIMITS = {
  GATEHOUSE_LIMIT_LOGIN_IP: 'off',
  GATEHOUSE_LIMIT_LOGIN_ACCOUNT: 'off',
  GATEHOUSE_LIMIT_SETUP_IP: 'off',
  GATEHOUSE_LIMIT_TOKEN_CREATE: 'off',
  GATEHOUSE_LIMIT_INVALID_TOKEN: 'off',
};

export interface TestAppOptions {
  /** Logger options (e.g. `{ level: 'debug', stream }` to capture the logs); none by default. */
  logger?: LogSetting;
}

/**
 * The settings of a test app on `db`: the test secret, the first Admin, no logs, no abuse
 * limits and no 503 for event loop lag (a busy machine's loop lags; overload tests ask for it),
 * then `env`.
 */
export function testConfig(db: { dataDir: string; databaseUrl?: string | undefined }, env: Record<string, string> = {}): Readonly<Config> {
  return loadConfig({
    GATEHOUSE_DATA_DIR: db.dataDir,
    ...(db.databaseUrl ? { GATEHOUSE_DATABASE_URL: db.databaseUrl } : {}),
    GATEHOUSE_SECRET: TEST_SECRET,
    GATEHOUSE_ADMIN_EMAIL: ADMIN_EMAIL,
    GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    GATEHOUSE_LOG_LEVEL: 'silent',
    GATEHOUSE_MAX_EVENT_LOOP_DELAY_MS: '0',
    ...NO_LIMITS,
    ...env,
  });
}

/** A real app (routes, hooks, store) on a fresh database of the given kind, with a frozen clock. */
export async function createTestApp(kind: 'sqlite' | 'postgres', env: Record<string, string> = {}, opts: TestAppOptions = {}): Promise<TestApp> {
  const db = await createTestDatabase(kind);
  const clock = new ManualClock('2026-06-01T10:00:00Z');
  const config = testConfig(db, env);
  const server = await createServer(config, { clock, passwords: testPasswords, logger: opts.logger ?? false });
  const { app } = server;

  const request: TestApp['request'] = ({ token, cookie, headers, ...rest }) =>
    app.inject({
      ...rest,
      headers: {
        ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
        ...(cookie !== undefined ? { cookie } : {}),
        ...headers,
      },
    });

  const login: TestApp['login'] = async (email = ADMIN_EMAIL, password = ADMIN_PASSWORD) => {
    const res = await request({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
    if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
    const setCookie = String(res.headers['set-cookie']);
    return setCookie.split(';')[0]!;
  };

  const adminCookie = await login();
  const created = await request({ method: 'POST', url: '/api/user-tokens', cookie: adminCookie, payload: { name: 'admin-test', expires_in_days: 30 } });
  if (created.statusCode !== 200) throw new Error(`admin token: ${created.statusCode} ${created.body}`);
  const adminToken = created.json().bearer_token as string;
  const adminId = created.json().user.id as number;

  const makeToken: TestApp['makeToken'] = async (callerToken, body) => {
    const res = await request({ method: 'POST', url: '/api/user-tokens', token: callerToken, payload: body });
    if (res.statusCode !== 200) throw new Error(`token: ${res.statusCode} ${res.body}`);
    return res.json();
  };

  const makeUser: TestApp['makeUser'] = async ({ role = 'Member', type = 'Human', teams, name } = {}) => {
    const i = ++n;
    if (type === 'Service') {
      const res = await request({ method: 'POST', url: '/api/users', token: adminToken, payload: { name: name ?? `Robot ${i}`, role, ...(teams ? { teams } : {}) } });
      if (res.statusCode !== 200) throw new Error(`service account: ${res.statusCode} ${res.body}`);
      const user = res.json();
      const t = await makeToken(adminToken, { name: 'svc', user_id: user.id });
      return { id: user.id, userId: user.user_id, token: t.bearer_token, tokenId: t.id };
    }
    const email = `${(name ?? `user${i}`).toLowerCase().replace(/\W/g, '')}-${i}@example.com`;
    const password = 'a-long-enough-password';
    const res = await request({
      method: 'POST', url: '/api/users', token: adminToken,
      payload: { user_type: 'Human', email, name: name ?? `User ${i}`, role, password, ...(teams ? { teams } : {}) },
    });
    if (res.statusCode !== 200) throw new Error(`user: ${res.statusCode} ${res.body}`);
    const cookie = await login(email, password);
    const t = await request({ method: 'POST', url: '/api/user-tokens', cookie, payload: { name: 'mine' } });
    return { id: res.json().id, userId: email, token: t.json().bearer_token, tokenId: t.json().id };
  };

  return {
    server, db, clock, adminToken, adminId, request, makeUser, makeToken, login,
    async close() {
      await server.close();
      await db.drop();
    },
  };
}

/** The routes of a real app, as added (for tests that must cover every route: a new one cannot be left out). */
export async function collectRoutes(): Promise<Array<{ method: string; url: string; auth: 'public' | 'user' | 'scim'; scope: RouteScope | null }>> {
  const t = await createTestApp('sqlite');
  try {
    return [...t.server.app.gatehouse.routes];
  } finally {
    await t.close();
  }
}

/**
 * Runs a suite once per database (SQLite always; PostgreSQL when reachable, required in CI)
 * against one app per suite. Tests create their own users and tokens, so they stay independent.
 */
export function describeOnEachDatabase(title: string, body: (t: () => TestApp) => void, env: Record<string, string> = {}, opts: TestAppOptions = {}): void {
  describe.each(DIALECTS)(`${title} [$kind]`, ({ kind, available }) => {
    if (!available) {
      it.skip(`${kind} is not reachable`, () => {});
      return;
    }
    let t: TestApp | undefined;
    beforeAll(async () => {
      t = await createTestApp(kind, env, opts);
    });
    afterAll(async () => {
      await t?.close();
    });
    body(() => {
      if (!t) throw new Error('test app not started');
      return t;
    });
  });
}

/**
 * A SQLite app of its own for the tests in `body` (a `describe`'s), with settings that must not
 * leak into other suites: abuse limits, overload thresholds, proxy trust.
 */
export function withApp(env: Record<string, string>, body: (t: () => TestApp) => void): void {
  let t: TestApp | undefined;
  beforeAll(async () => {
    t = await createTestApp('sqlite', env);
  });
  afterAll(async () => {
    await t?.close();
  });
  body(() => {
    if (!t) throw new Error('test app not started');
    return t;
  });
}
