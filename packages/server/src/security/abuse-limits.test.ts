import { describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { ADMIN_EMAIL, ADMIN_PASSWORD, describeOnEachDatabase, withApp, type TestApp } from '../test-support/test-app.js';

/** 429 in the API's error format (SPEC §3), with a Retry-After in whole seconds. */
function expectTooMany(res: LightMyRequestResponse): void {
  expect(res.statusCode).toBe(429);
  expect(res.json()).toMatchObject({ code: 'RATE_LIMITED', detail: expect.stringMatching(/retry in/), request_id: expect.any(String) });
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
}

const login = (t: TestApp, email: string, password: string, remoteAddress = '127.0.0.1') =>
  t.request({ method: 'POST', url: '/api/auth/login', payload: { email, password }, remoteAddress });

describe('failed logins per account: lockout with Retry-After, no user enumeration', () => {
  withApp({ GATEHOUSE_LIMIT_LOGIN_ACCOUNT: '3/15m' }, (app) => {
    it('locks a known account after 3 attempts, even for the right password, and leaves other accounts alone', async () => {
      const t = app();
      const u = await t.makeUser();
      for (let i = 0; i < 3; i++) expect((await login(t, u.userId, `wrong-password-${i}`)).statusCode).toBe(401);
      expectTooMany(await login(t, u.userId, 'a-long-enough-password'));
      // The account is keyed on the normalised e-mail: case and spaces do not get around it.
      expectTooMany(await login(t, `  ${u.userId.toUpperCase()} `, 'a-long-enough-password'));
      // Other accounts, from the same address, are not affected.
      expect((await login(t, ADMIN_EMAIL, ADMIN_PASSWORD)).statusCode).toBe(200);
    });

    it('answers an unknown account exactly as a known one (same codes, same message)', async () => {
      const t = app();
      const u = await t.makeUser();
      const known: unknown[] = [];
      const unknown: unknown[] = [];
      for (let i = 0; i < 4; i++) {
        const a = await login(t, u.userId, `wrong-password-${i}`);
        const b = await login(t, `nobody-${u.id}@example.com`, `wrong-password-${i}`);
        known.push([a.statusCode, { ...a.json(), request_id: undefined, detail: a.json().detail.replace(/\d+ s$/, 'N s') }, a.headers['set-cookie']]);
        unknown.push([b.statusCode, { ...b.json(), request_id: undefined, detail: b.json().detail.replace(/\d+ s$/, 'N s') }, b.headers['set-cookie']]);
      }
      expect(known.map((k) => (k as [number])[0])).toEqual([401, 401, 401, 429]);
      expect(unknown).toEqual(known);
    });
  });
});

describe('login attempts per client IP', () => {
  withApp({ GATEHOUSE_LIMIT_LOGIN_IP: '5/1m' }, (app) => {
    it('refuses the 6th attempt from one address, whatever the account, and not other addresses', async () => {
      const t = app();
      for (let i = 0; i < 5; i++) expect((await login(t, `user${i}@example.com`, 'wrong-password', '203.0.113.7')).statusCode).toBe(401);
      const res = await login(t, ADMIN_EMAIL, ADMIN_PASSWORD, '203.0.113.7');
      expectTooMany(res);
      expect(res.headers['set-cookie']).toBeUndefined();
      expect((await login(t, ADMIN_EMAIL, ADMIN_PASSWORD, '203.0.113.8')).statusCode).toBe(200);
    });
  });
});

describe('first-Admin setup attempts per client IP', () => {
  withApp({ GATEHOUSE_LIMIT_SETUP_IP: '3/15m' }, (app) => {
    it('refuses setup-token guessing after 3 attempts', async () => {
      const t = app();
      const guess = (i: number) =>
        t.request({ method: 'POST', url: '/api/auth/setup', remoteAddress: '198.51.100.1', payload: { setup_token: `guess-${i}`, email: 'x@example.com', name: 'X', password: 'a-long-enough-password' } });
      for (let i = 0; i < 3; i++) expect((await guess(i)).statusCode).toBe(403);
      expectTooMany(await guess(3));
    });
  });
});

describe('token creation per user', () => {
  withApp({ GATEHOUSE_LIMIT_TOKEN_CREATE: '3/1m' }, (app) => {
    it('refuses the 4th creation of one user in the window; other users are not affected; rotations share the budget', async () => {
      const t = app();
      const u = await t.makeUser({ role: 'Member' }); // its own "mine" token was its 1st creation
      const create = (token: string, name: string) => t.request({ method: 'POST', url: '/api/user-tokens', token, payload: { name } });
      expect((await create(u.token, 'a')).statusCode).toBe(200);
      expect((await create(u.token, 'b')).statusCode).toBe(200);
      const refused = await create(u.token, 'c');
      expectTooMany(refused);
      const names = (await t.request({ method: 'GET', url: '/api/user-tokens', token: u.token })).json().map((x: { name: string }) => x.name);
      expect(names).not.toContain('c');
      const other = await t.makeUser({ role: 'Member' });
      expect((await create(other.token, 'a')).statusCode).toBe(200);
      // Rotation issues a new secret: it spends the same budget as creation (3rd, then 4th).
      const rotate = () => t.request({ method: 'POST', url: `/api/user-tokens/${other.tokenId}/rotate`, token: other.token });
      const rotated = await rotate();
      expect(rotated.statusCode).toBe(200);
      expectTooMany(await t.request({ method: 'POST', url: `/api/user-tokens/${other.tokenId}/rotate`, token: rotated.json().bearer_token }));
    });
  });
});

describeOnEachDatabase('refused tokens per client IP (429 before verifying)', (app) => {
  const forged = (t: TestApp) => {
    const [h, p] = t.adminToken.split('.');
    return `${h}.${p}.${'A'.repeat(43)}`;
  };

  it('after 5 refused tokens an address gets 429 with Retry-After — even with a valid token, and without a store read — until the window ends', async () => {
    const t = app();
    const start = t.clock.now();
    const ip = '192.0.2.10';
    const me = (token: string, remoteAddress = ip) => t.request({ method: 'GET', url: '/api/users/me', token, remoteAddress });
    try {
      for (let i = 0; i < 3; i++) expect((await me(forged(t))).statusCode).toBe(401);
      expect((await me('garbage')).statusCode).toBe(401);
      expect((await t.request({ method: 'GET', url: '/api/users/me', headers: { authorization: 'Bearer a b' }, remoteAddress: ip })).statusCode).toBe(400);
      // Before the limit, a valid token from that address still works.
      const u = await t.makeUser();
      let reads = 0;
      const tokens = t.server.store.tokens;
      const original = tokens.findAuthRecordByHash;
      tokens.findAuthRecordByHash = async (hash) => {
        reads++;
        return original(hash);
      };
      try {
        const refused = await me(u.token); // never seen before: would need a store read
        expectTooMany(refused);
        expect(refused.headers['www-authenticate']).toBeUndefined();
        expect(reads).toBe(0);
        expectTooMany(await me(t.adminToken));
        // Another address is not affected.
        expect((await me(u.token, '192.0.2.11')).statusCode).toBe(200);
      } finally {
        tokens.findAuthRecordByHash = original;
      }
      // Requests without a token are not refused for this (nothing to verify).
      expect((await t.request({ method: 'GET', url: '/api/health', remoteAddress: ip })).statusCode).toBe(204);
      t.clock.advance(61_000);
      expect((await me(u.token)).statusCode).toBe(200);
    } finally {
      t.clock.set(start);
    }
  });

  it('counts IPv6 clients per /64', async () => {
    const t = app();
    for (let i = 1; i <= 5; i++) expect((await t.request({ method: 'GET', url: '/api/users/me', token: forged(t), remoteAddress: `2001:db8:1:2::${i}` })).statusCode).toBe(401);
    expectTooMany(await t.request({ method: 'GET', url: '/api/users/me', token: t.adminToken, remoteAddress: '2001:db8:1:2:ffff::9' }));
    expect((await t.request({ method: 'GET', url: '/api/users/me', token: t.adminToken, remoteAddress: '2001:db8:1:3::1' })).statusCode).toBe(200);
  });
}, { GATEHOUSE_LIMIT_INVALID_TOKEN: '5/1m' });

describeOnEachDatabase('login timing does not tell unknown accounts from wrong passwords', (app) => {
  it('median times are within a factor of 2 (interleaved, after a warm-up)', async () => {
    const t = app();
    const time = async (email: string) => {
      const started = process.hrtime.bigint();
      const res = await login(t, email, 'not-the-password-123');
      expect(res.statusCode).toBe(401);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    for (let i = 0; i < 3; i++) {
      await time(ADMIN_EMAIL);
      await time('nobody@example.com');
    }
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 15; i++) {
      known.push(await time(ADMIN_EMAIL));
      unknown.push(await time(`nobody-${i}@example.com`));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const ratio = median(unknown) / median(known);
    expect(ratio, `unknown ${median(unknown).toFixed(2)} ms vs known ${median(known).toFixed(2)} ms`).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });
});
