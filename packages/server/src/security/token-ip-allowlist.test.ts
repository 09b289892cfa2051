import { describe, expect, it } from 'vitest';
import { describeOnEachDatabase, withApp, type TestApp } from '../test-support/test-app.js';

/* SPEC §11: a token with `allowed_ips` works from those addresses only (IPv4 and IPv6 CIDRs). */

const from = (t: TestApp, token: string, remoteAddress: string, headers: Record<string, string> = {}) =>
  t.request({ method: 'GET', url: '/api/users/me', token, remoteAddress, headers });

describeOnEachDatabase('IP allowlist', (app) => {
  it('accepts the token from its IPv4 and IPv6 ranges (and IPv4-mapped IPv6) and refuses it elsewhere with 403 IP_NOT_ALLOWED', async () => {
    const t = app();
    const tok = await t.makeToken(t.adminToken, { name: `ips-${Math.random()}`, allowed_ips: ['10.0.0.0/8', '2001:db8::/32', '192.0.2.7'] });
    expect(tok.allowed_ips).toEqual(['10.0.0.0/8', '2001:db8::/32', '192.0.2.7/32']);
    for (const ip of ['10.1.2.3', '::ffff:10.9.9.9', '2001:db8::1', '2001:db8:ffff::5', '192.0.2.7']) {
      expect([ip, (await from(t, tok.bearer_token, ip)).statusCode]).toEqual([ip, 200]);
    }
    for (const ip of ['11.0.0.1', '192.0.2.8', '2001:db9::1', '::1', '127.0.0.1']) {
      const res = await from(t, tok.bearer_token, ip);
      expect([ip, res.statusCode, res.json().code]).toEqual([ip, 403, 'IP_NOT_ALLOWED']);
    }
  });

  it('audits and counts each refusal, naming the token', async () => {
    const t = app();
    const tok = await t.makeToken(t.adminToken, { name: `audited-${Math.random()}`, allowed_ips: ['10.0.0.0/8'] });
    await from(t, tok.bearer_token, '198.51.100.4');
    await from(t, tok.bearer_token, '198.51.100.4');
    await t.server.app.flushUsage();
    const events = (await t.request({ method: 'GET', url: '/api/audit-events?action=auth.failed', token: t.adminToken, remoteAddress: '127.0.0.1' })).json().items as Array<Record<string, unknown>>;
    expect(events).toContainEqual(expect.objectContaining({ actor_token_id: tok.id, ip: '198.51.100.4', outcome: 'failure', details: { reason: 'IP_NOT_ALLOWED', count: 2 } }));
    const metrics = (await t.request({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/gatehouse_auth_failures_total\{reason="IP_NOT_ALLOWED"\} [1-9]/);
  });

  it('PUT allowed_ips narrows or lifts the list at once, even for a token already cached', async () => {
    const t = app();
    const tok = await t.makeToken(t.adminToken, { name: `changed-${Math.random()}` });
    expect((await from(t, tok.bearer_token, '203.0.113.9')).statusCode).toBe(200);
    expect((await from(t, tok.bearer_token, '203.0.113.9')).statusCode).toBe(200);
    const put = await t.request({ method: 'PUT', url: `/api/user-tokens/${tok.id}`, token: t.adminToken, payload: { allowed_ips: ['2001:db8::/48'] } });
    expect([put.statusCode, put.json().allowed_ips]).toEqual([200, ['2001:db8::/48']]);
    expect((await from(t, tok.bearer_token, '203.0.113.9')).statusCode).toBe(403);
    expect((await from(t, tok.bearer_token, '2001:db8:0:1::1')).statusCode).toBe(200);
    await t.request({ method: 'PUT', url: `/api/user-tokens/${tok.id}`, token: t.adminToken, payload: { allowed_ips: null } });
    expect((await from(t, tok.bearer_token, '203.0.113.9')).statusCode).toBe(200);
    const audit = (await t.request({ method: 'GET', url: `/api/audit-events?action=token.restricted`, token: t.adminToken })).json().items;
    expect(audit.filter((e: { target_id: string }) => e.target_id === String(tok.id))).toHaveLength(2);
  });

  it('refuses what is not a CIDR, naming the field', async () => {
    const t = app();
    for (const allowed_ips of [['10.0.0.0/33'], ['not-an-ip'], ['10.0.0.1', 'fe80::/129'], []]) {
      const res = await t.request({ method: 'POST', url: '/api/user-tokens', token: t.adminToken, payload: { name: `bad-${Math.random()}`, allowed_ips } });
      expect([JSON.stringify(allowed_ips), res.statusCode, res.json().code]).toEqual([JSON.stringify(allowed_ips), 422, 'INVALID_INPUT']);
      expect(res.json().field).toMatch(/^allowed_ips/);
    }
  });
});

describe('IP allowlist behind a proxy', () => {
  describe('without GATEHOUSE_TRUST_PROXY: X-Forwarded-For is ignored', () => {
    withApp({}, (app) => {
      it('judges the connection\'s address, whatever the header claims', async () => {
        const t = app();
        const tok = await t.makeToken(t.adminToken, { name: 'proxy-off', allowed_ips: ['10.0.0.0/8'] });
        expect((await from(t, tok.bearer_token, '198.51.100.1', { 'x-forwarded-for': '10.0.0.1' })).statusCode).toBe(403);
        expect((await from(t, tok.bearer_token, '10.0.0.1', { 'x-forwarded-for': '198.51.100.1' })).statusCode).toBe(200);
      });
    });
  });
  describe('with GATEHOUSE_TRUST_PROXY=true: the client address from X-Forwarded-For', () => {
    withApp({ GATEHOUSE_TRUST_PROXY: 'true' }, (app) => {
      it('judges the forwarded client address', async () => {
        const t = app();
        const tok = await t.makeToken(t.adminToken, { name: 'proxy-on', allowed_ips: ['10.0.0.0/8', '2001:db8::/32'] });
        expect((await from(t, tok.bearer_token, '127.0.0.1', { 'x-forwarded-for': '10.0.0.1' })).statusCode).toBe(200);
        expect((await from(t, tok.bearer_token, '127.0.0.1', { 'x-forwarded-for': '2001:db8::9' })).statusCode).toBe(200);
        expect((await from(t, tok.bearer_token, '10.0.0.1', { 'x-forwarded-for': '198.51.100.1' })).statusCode).toBe(403);
      });
    });
  });
});
