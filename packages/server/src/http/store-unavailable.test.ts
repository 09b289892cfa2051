import { createKeyring } from '@gatehouse/core';
import { openStore } from '@gatehouse/db';
import { expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { wireGatehouse } from '../gatehouse.js';
import { testPasswords } from '../test-support/test-app.js';

it('answers 503 with Retry-After, within a bounded time, when PostgreSQL cannot be reached', async () => {
  // Nothing listens on port 1: every connection attempt fails at once.
  const store = openStore({ databaseUrl: 'postgres://postgres@127.0.0.1:1/none', dataDir: '/tmp' });
  const config = loadConfig({ GATEHOUSE_LOG_LEVEL: 'silent' });
  const gatehouse = wireGatehouse({ config, store, keyring: createKeyring([{ secret: 'x'.repeat(40) }]), passwords: testPasswords, logger: false });
  const app = await buildApp(gatehouse);
  try {
    const started = Date.now();
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'a@b.io', password: 'whatever-long' } });
    expect(login.statusCode).toBe(503);
    expect(login.headers['retry-after']).toBe('5');
    expect(login.json()).toMatchObject({ code: 'STORE_UNAVAILABLE', detail: 'The database is unavailable; try again shortly' });
    expect(Date.now() - started).toBeLessThan(5000);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  } finally {
    await app.close();
    await gatehouse.close();
    await store.close();
  }
});
