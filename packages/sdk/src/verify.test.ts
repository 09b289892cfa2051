import { describe, expect, it, vi } from 'vitest';
import { createVerifier, verifyToken, type Introspection } from './index.js';
import { describeLive } from './test-support/live-server.js';

const NOW = Date.parse('2026-06-01T10:00:00Z');
const active = (over: Partial<Introspection> = {}): Introspection => ({
  active: true, sub: 'robot@service', uid: 7, user_type: 'Service', name: 'Robot', role: 'Editor', teams: ['Public'],
  token_id: 3, token_type: 'Service', scope: 'api', iat: NOW / 1000, ...over,
});

/** A fake Gatehouse: answers from `answer`, counting calls. */
function fakeGatehouse(answer: (token: string) => Introspection | Response | Error) {
  const calls: Array<{ token: string; auth: string; clientIp?: string }> = [];
  const fetchFn = vi.fn(async (_url: string | URL | Request, init?: RequestInit) => {
    const body = JSON.parse(String(init!.body)) as { token: string; client_ip?: string };
    calls.push({ token: body.token, auth: String((init!.headers as Record<string, string>).authorization), ...(body.client_ip ? { clientIp: body.client_ip } : {}) });
    const a = answer(body.token);
    if (a instanceof Error) throw a;
    if (a instanceof Response) return a;
    return new Response(JSON.stringify(a), { status: 200, headers: { 'content-type': 'application/json' } });
  });
  return { fetch: fetchFn as unknown as typeof fetch, calls };
}

const base = { url: 'https://gatehouse.test', token: 'service-credential' };

describe('createVerifier', () => {
  it('refuses a missing or malformed header without calling Gatehouse', async () => {
    const g = fakeGatehouse(() => active());
    const v = createVerifier({ ...base, fetch: g.fetch });
    expect(await v.verify(undefined)).toMatchObject({ valid: false, reason: 'MISSING', status: 401 });
    expect(await v.verify('Basic abc')).toMatchObject({ valid: false, reason: 'MALFORMED', status: 401 });
    expect(await v.verify('Bearer a b')).toMatchObject({ valid: false, reason: 'MALFORMED' });
    expect(g.calls).toHaveLength(0);
  });

  it('asks Gatehouse with its own credential and the client IP, and maps the answer', async () => {
    const g = fakeGatehouse(() => active({ exp: NOW / 1000 + 3600 }));
    const v = createVerifier({ ...base, fetch: g.fetch, now: () => NOW });
    const r = await v.verify('Bearer tok-1', { clientIp: '198.51.100.4' });
    expect(r).toEqual({
      valid: true,
      principal: { sub: 'robot@service', uid: 7, userType: 'Service', name: 'Robot', role: 'Editor', teams: ['Public'], tokenId: 3, tokenType: 'Service', scope: 'api', exp: NOW / 1000 + 3600 },
    });
    expect(g.calls).toEqual([{ token: 'tok-1', auth: 'Bearer service-credential', clientIp: '198.51.100.4' }]);
  });

  it('caches a positive answer for cacheTtlMs, then asks again', async () => {
    let now = NOW;
    const g = fakeGatehouse(() => active());
    const v = createVerifier({ ...base, fetch: g.fetch, now: () => now, cacheTtlMs: 5000 });
    await v.verify('Bearer tok');
    now += 4999;
    await v.verify('Bearer tok');
    expect(g.calls).toHaveLength(1);
    now += 1;
    await v.verify('Bearer tok');
    expect(g.calls).toHaveLength(2);
  });

  it('never serves a cached answer past the token exp', async () => {
    let now = NOW;
    const g = fakeGatehouse(() => active({ exp: NOW / 1000 + 2 }));
    const v = createVerifier({ ...base, fetch: g.fetch, now: () => now, cacheTtlMs: 60_000 });
    await v.verify('Bearer tok');
    now += 1999;
    await v.verify('Bearer tok');
    expect(g.calls).toHaveLength(1);
    now += 1;
    await v.verify('Bearer tok');
    expect(g.calls).toHaveLength(2);
  });

  it('does not cache negative answers (a new token works at once)', async () => {
    let isActive = false;
    const g = fakeGatehouse(() => (isActive ? active() : { active: false }));
    const v = createVerifier({ ...base, fetch: g.fetch, now: () => NOW });
    expect(await v.verify('Bearer tok')).toMatchObject({ valid: false, reason: 'INACTIVE', status: 401 });
    isActive = true;
    expect((await v.verify('Bearer tok')).valid).toBe(true);
  });

  it('is bounded: the least recently used token goes first', async () => {
    const g = fakeGatehouse(() => active());
    const v = createVerifier({ ...base, fetch: g.fetch, now: () => NOW, cacheMaxEntries: 2 });
    await v.verify('Bearer a');
    await v.verify('Bearer b');
    await v.verify('Bearer a'); // a is now the most recent
    await v.verify('Bearer c'); // evicts b
    expect(v.cacheSize).toBe(2);
    g.calls.length = 0;
    await v.verify('Bearer a');
    await v.verify('Bearer c');
    expect(g.calls).toHaveLength(0);
    await v.verify('Bearer b');
    expect(g.calls.map((c) => c.token)).toEqual(['b']);
  });

  it('invalidate(token) drops it at once', async () => {
    const g = fakeGatehouse(() => active());
    const v = createVerifier({ ...base, fetch: g.fetch, now: () => NOW });
    await v.verify('Bearer tok');
    v.invalidate('tok');
    await v.verify('Bearer tok');
    expect(g.calls).toHaveLength(2);
  });

  it('concurrent checks of one token share one call', async () => {
    const g = fakeGatehouse(() => active());
    const v = createVerifier({ ...base, fetch: g.fetch, now: () => NOW });
    const results = await Promise.all(Array.from({ length: 20 }, () => v.verify('Bearer same')));
    expect(results.every((r) => r.valid)).toBe(true);
    expect(g.calls).toHaveLength(1);
  });

  it('fails closed with 503 when Gatehouse is unreachable or refuses the credential', async () => {
    const down = createVerifier({ ...base, fetch: fakeGatehouse(() => new TypeError('fetch failed')).fetch });
    expect(await down.verify('Bearer tok')).toMatchObject({ valid: false, reason: 'UNAVAILABLE', status: 503, detail: expect.stringContaining('Cannot reach Gatehouse') });
    const forbidden = createVerifier({
      ...base,
      fetch: fakeGatehouse(() => new Response('{"detail":"Your role (Member) may not introspect tokens","code":"FORBIDDEN"}', { status: 403 })).fetch,
    });
    expect(await forbidden.verify('Bearer tok')).toMatchObject({ valid: false, reason: 'UNAVAILABLE', status: 503, detail: expect.stringContaining('(403)') });
  });

  it('minRole and SCIM tokens → 403, also from the cache', async () => {
    const g = fakeGatehouse((t) => (t === 'scim' ? active({ scope: 'scim', role: 'Admin' }) : active({ role: 'Member' })));
    const v = createVerifier({ ...base, fetch: g.fetch, now: () => NOW, minRole: 'Editor' });
    for (let i = 0; i < 2; i++) {
      expect(await v.verify('Bearer member')).toMatchObject({ valid: false, reason: 'ROLE', status: 403 });
      expect(await v.verify('Bearer scim')).toMatchObject({ valid: false, reason: 'SCIM_TOKEN', status: 403 });
    }
    expect(g.calls).toHaveLength(2);
    const scimOk = createVerifier({ ...base, fetch: g.fetch, allowScim: true });
    expect((await scimOk.verify('Bearer scim')).valid).toBe(true);
  });

  it("enforces the token's IP allowlist against the client address, per request, also from the cache and for concurrent checks", async () => {
    const g = fakeGatehouse(() => active({ allowed_ips: ['203.0.113.0/24', '2001:db8::/32'] }));
    const v = createVerifier({ ...base, fetch: g.fetch, now: () => NOW });
    const from = (clientIp?: string) => v.verify('Bearer fenced', clientIp === undefined ? {} : { clientIp });
    // Two requests at once from inside and outside share one introspection, each judged by its own address.
    const [inside, outside] = await Promise.all([from('203.0.113.9'), from('198.51.100.4')]);
    expect(inside).toMatchObject({ valid: true, principal: { allowedIps: ['203.0.113.0/24', '2001:db8::/32'] } });
    expect(outside).toEqual({ valid: false, reason: 'IP_NOT_ALLOWED', status: 403, detail: expect.stringContaining('IP allowlist') });
    expect(g.calls).toHaveLength(1);
    // From the cache now: a dual-stack socket's IPv4 peer, IPv6 inside and outside, no address at all.
    expect(await from('::ffff:203.0.113.200')).toMatchObject({ valid: true });
    expect(await from('2001:db8:1::5')).toMatchObject({ valid: true });
    expect(await from('2001:db9::5')).toMatchObject({ reason: 'IP_NOT_ALLOWED' });
    expect(await from(undefined)).toMatchObject({ reason: 'IP_NOT_ALLOWED' });
    expect(await from('not-an-address')).toMatchObject({ reason: 'IP_NOT_ALLOWED' });
    expect(g.calls).toHaveLength(1);
  });

  it('a token without an allowlist is accepted from any address, or none', async () => {
    const g = fakeGatehouse(() => active());
    const v = createVerifier({ ...base, fetch: g.fetch, now: () => NOW });
    expect(await v.verify('Bearer open', { clientIp: '198.51.100.4' })).toMatchObject({ valid: true });
    expect(await v.verify('Bearer open')).toMatchObject({ valid: true });
  });

  it('verifyToken reuses one verifier (and cache) per server and credential', async () => {
    const g = fakeGatehouse(() => active());
    const opts = { ...base, url: 'https://shared.test', fetch: g.fetch };
    await verifyToken('Bearer x', opts);
    await verifyToken('Bearer x', opts);
    expect(g.calls).toHaveLength(1);
  });
});

describeLive('verifyToken against a real server', (live) => {
  it('a revoked token is refused once the cache entry is gone (TTL), and at once after invalidate', async () => {
    const { t, url, introspectToken, adminToken } = live();
    const tok = await t.makeToken(adminToken, { name: 'verify-live', expires_in_days: null });
    let now = Date.now();
    const v = createVerifier({ url, token: introspectToken, cacheTtlMs: 1000, now: () => now });
    const ok = await v.verify(`Bearer ${tok.bearer_token}`);
    expect(ok).toMatchObject({ valid: true, principal: { sub: 'admin@example.com', role: 'Admin', tokenId: tok.id } });
    await t.request({ method: 'PUT', url: `/api/user-tokens/${tok.id}`, token: adminToken, payload: { revoke: true } });
    expect((await v.verify(`Bearer ${tok.bearer_token}`)).valid).toBe(true); // still cached: the documented bound
    now += 1000;
    expect(await v.verify(`Bearer ${tok.bearer_token}`)).toMatchObject({ valid: false, reason: 'INACTIVE' });

    await t.request({ method: 'PUT', url: `/api/user-tokens/${tok.id}`, token: adminToken, payload: { revoke: false } });
    expect((await v.verify(`Bearer ${tok.bearer_token}`)).valid).toBe(true);
    await t.request({ method: 'PUT', url: `/api/user-tokens/${tok.id}`, token: adminToken, payload: { revoke: true } });
    v.invalidate(tok.bearer_token);
    expect((await v.verify(`Bearer ${tok.bearer_token}`)).valid).toBe(false);
  });

  it('a Member credential cannot introspect: the service answers 503 and says why', async () => {
    const { t, url } = live();
    const member = await t.makeUser({ role: 'Member', type: 'Service' });
    const v = createVerifier({ url, token: member.token });
    expect(await v.verify(`Bearer ${live().adminToken}`)).toMatchObject({ status: 503, detail: expect.stringContaining('may not introspect') });
  });
});
