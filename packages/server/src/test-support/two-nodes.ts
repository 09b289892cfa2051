import { createTestDatabase, type TestDatabase } from '@gatehouse/db/test-support';
import { afterAll, beforeAll } from 'vitest';
import { createServer, type GatehouseServer } from '../server.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, testConfig, testPasswords } from './test-app.js';

/** Two Gatehouse nodes sharing one PostgreSQL database, and an Admin's bearer token. */
export interface TwoNodes {
  readonly db: TestDatabase;
  readonly a: GatehouseServer;
  readonly b: GatehouseServer;
  readonly admin: string;
}

/**
 * Starts two nodes on a fresh PostgreSQL schema before the enclosing `describe`'s tests and
 * stops them after; read the fields inside tests (they are set in `beforeAll`).
 */
export function twoNodesOnOnePostgres(): TwoNodes {
  const nodes = {} as { -readonly [K in keyof TwoNodes]: TwoNodes[K] };
  beforeAll(async () => {
    nodes.db = await createTestDatabase('postgres');
    // The test apps' settings (no 503 for a lagging event loop: a busy machine is no overload here).
    const config = testConfig(nodes.db);
    nodes.a = await createServer(config, { passwords: testPasswords, logger: false });
    nodes.b = await createServer(config, { passwords: testPasswords, logger: false });
    const login = await nodes.a.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const token = await nodes.a.app.inject({ method: 'POST', url: '/api/user-tokens', headers: { cookie }, payload: { name: 'admin', expires_in_days: 30 } });
    nodes.admin = token.json().bearer_token;
  });
  afterAll(async () => {
    await nodes.a?.close();
    await nodes.b?.close();
    await nodes.db?.drop();
  });
  return nodes;
}
