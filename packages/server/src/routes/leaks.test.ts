import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { describeOnEachDatabase, type TestApp } from '../test-support/test-app.js';

/* SPEC §11: POST /api/leaks in GitHub's secret-scanning partner format. */

const keyPair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const github = keyPair();
const stranger = keyPair();
const pem = (k: KeyObject) => k.export({ type: 'spki', format: 'pem' }).toString();
const LEAK_KEYS = JSON.stringify([{ key_identifier: 'gh-key-1', key: pem(github.publicKey) }]);

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const signed = (body: string, key: KeyObject, keyId = 'gh-key-1') => ({
  'content-type': 'application/json',
  'github-public-key-identifier': keyId,
  'github-public-key-signature': sign('sha256', Buffer.from(body), key).toString('base64'),
});
const report = (tokens: string[]) => JSON.stringify(tokens.map((token) => ({ token, type: 'gatehouse_token', url: 'https://github.com/acme/app/blob/abc/config.env', source: 'content' })));

async function activeToken(t: TestApp) {
  const tok = await t.makeToken(t.adminToken, { name: `leaky-${Math.random()}` });
  // Used (and cached) before the report: the revocation must reach the cache too.
  expect((await t.request({ method: 'GET', url: '/api/users/me', token: tok.bearer_token })).statusCode).toBe(200);
  expect((await t.request({ method: 'GET', url: '/api/users/me', token: tok.bearer_token })).statusCode).toBe(200);
  return tok;
}

describeOnEachDatabase('POST /api/leaks', (app) => {
  it('a signed report revokes each token of this server with reason "leaked" within the request, and labels every entry', async () => {
    const t = app();
    const leaked = await activeToken(t);
    const foreign = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
    const body = report([leaked.bearer_token, foreign, 'ghp_notatoken']);
    const res = await t.request({ method: 'POST', url: '/api/leaks', headers: signed(body, github.privateKey), payload: body });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([
      { token_hash: sha256(leaked.bearer_token), token_type: 'gatehouse_token', label: 'true_positive' },
      { token_hash: sha256(foreign), token_type: 'gatehouse_token', label: 'false_positive' },
      { token_hash: sha256('ghp_notatoken'), token_type: 'gatehouse_token', label: 'false_positive' },
    ]);
    const refused = await t.request({ method: 'GET', url: '/api/users/me', token: leaked.bearer_token });
    expect([refused.statusCode, refused.json().detail]).toEqual([401, 'The token has been revoked']);
    const shown = (await t.request({ method: 'GET', url: `/api/user-tokens/${leaked.id}`, token: t.adminToken })).json();
    expect(shown).toMatchObject({ active: false, revoke_reason: 'leaked' });
    const events = (await t.request({ method: 'GET', url: '/api/audit-events?action=token.leaked', token: t.adminToken })).json().items;
    expect(events).toContainEqual(expect.objectContaining({
      target_id: String(leaked.id), actor_user_id: null,
      details: expect.objectContaining({ via: 'signature:gh-key-1', url: 'https://github.com/acme/app/blob/abc/config.env', source: 'content' }),
    }));
  });

  it('a token reported again (already revoked) is still a true positive, and is not restored or re-audited', async () => {
    const t = app();
    const leaked = await activeToken(t);
    const body = report([leaked.bearer_token]);
    await t.request({ method: 'POST', url: '/api/leaks', headers: signed(body, github.privateKey), payload: body });
    const again = await t.request({ method: 'POST', url: '/api/leaks', headers: signed(body, github.privateKey), payload: body });
    expect(again.json()[0].label).toBe('true_positive');
    const events = (await t.request({ method: 'GET', url: '/api/audit-events?action=token.leaked', token: t.adminToken })).json().items;
    expect(events.filter((e: { target_id: string }) => e.target_id === String(leaked.id))).toHaveLength(1);
  });

  it('refuses a wrong signature, a tampered body, an unknown key and a missing signature with 401, revoking nothing', async () => {
    const t = app();
    const leaked = await activeToken(t);
    const body = report([leaked.bearer_token]);
    const attempts: Array<[string, Record<string, string>, string]> = [
      ['signed by another key', signed(body, stranger.privateKey), body],
      ['body changed after signing', signed(body, github.privateKey), body.replace('content', 'commit')],
      ['unknown key identifier', signed(body, github.privateKey, 'gh-key-2'), body],
      ['no signature', { 'content-type': 'application/json' }, body],
      ['garbage signature', { ...signed(body, github.privateKey), 'github-public-key-signature': 'bm90IGEgc2lnbmF0dXJl' }, body],
    ];
    for (const [name, headers, payload] of attempts) {
      const res = await t.request({ method: 'POST', url: '/api/leaks', headers, payload });
      expect([name, res.statusCode, res.json().code]).toEqual([name, 401, 'UNAUTHENTICATED']);
    }
    expect((await t.request({ method: 'GET', url: '/api/users/me', token: leaked.bearer_token })).statusCode).toBe(200);
  });

  it('an Admin token reports too; other roles and scopes without tokens:write are refused', async () => {
    const t = app();
    const leaked = await activeToken(t);
    const body = report([leaked.bearer_token]);
    const manager = await t.makeUser({ role: 'Manager' });
    const byManager = await t.request({ method: 'POST', url: '/api/leaks', token: manager.token, headers: { 'content-type': 'application/json' }, payload: body });
    expect([byManager.statusCode, byManager.json().code]).toEqual([403, 'FORBIDDEN']);
    const readOnly = await t.makeToken(t.adminToken, { name: `ro-${Math.random()}`, scopes: ['read'] });
    const byReadToken = await t.request({ method: 'POST', url: '/api/leaks', token: readOnly.bearer_token, headers: { 'content-type': 'application/json' }, payload: body });
    expect([byReadToken.statusCode, byReadToken.json().code]).toEqual([403, 'INSUFFICIENT_SCOPE']);
    expect((await t.request({ method: 'GET', url: '/api/users/me', token: leaked.bearer_token })).statusCode).toBe(200);

    const byAdmin = await t.request({ method: 'POST', url: '/api/leaks', token: t.adminToken, headers: { 'content-type': 'application/json' }, payload: body });
    expect(byAdmin.json()).toEqual([{ token_hash: sha256(leaked.bearer_token), token_type: 'gatehouse_token', label: 'true_positive' }]);
    expect((await t.request({ method: 'GET', url: '/api/users/me', token: leaked.bearer_token })).statusCode).toBe(401);
    const event = (await t.request({ method: 'GET', url: '/api/audit-events?action=token.leaked', token: t.adminToken })).json().items
      .find((e: { target_id: string }) => e.target_id === String(leaked.id));
    expect(event).toMatchObject({ actor_user_id: t.adminId, details: { via: 'admin' } });
  });

  it('an expired token of this server is a true positive', async () => {
    const t = app();
    const tok = await t.makeToken(t.adminToken, { name: `old-${Math.random()}`, expires_in_days: 1 });
    t.clock.advance(3 * 86_400_000);
    const body = report([tok.bearer_token]);
    const res = await t.request({ method: 'POST', url: '/api/leaks', headers: signed(body, github.privateKey), payload: body });
    expect(res.json()[0].label).toBe('true_positive');
  });

  it('a malformed report from a signed reporter is a 422 naming the field', async () => {
    const t = app();
    const body = JSON.stringify([{ type: 'x' }]);
    const res = await t.request({ method: 'POST', url: '/api/leaks', headers: signed(body, github.privateKey), payload: body });
    // The field is named with its place in the report (main's errors name a nested field with its parent).
    expect([res.statusCode, res.json().code, res.json().field]).toEqual([422, 'INVALID_INPUT', '0.token']);
  });
}, { GATEHOUSE_LEAK_REPORT_KEYS: LEAK_KEYS });

it('GATEHOUSE_LEAK_REPORT_KEYS: a key that is not ECDSA P-256, or not JSON, stops the server at start', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const base = { GATEHOUSE_DATA_DIR: '/tmp/unused' };
  expect(() => loadConfig({ ...base, GATEHOUSE_LEAK_REPORT_KEYS: JSON.stringify([{ key_identifier: 'r', key: pem(rsa.publicKey) }]) })).toThrow(/must be ECDSA P-256/);
  expect(() => loadConfig({ ...base, GATEHOUSE_LEAK_REPORT_KEYS: 'nope' })).toThrow(/JSON list/);
  expect(() => loadConfig({ ...base, GATEHOUSE_LEAK_REPORT_KEYS: JSON.stringify([{ key: pem(github.publicKey) }]) })).toThrow(/key_identifier/);
  expect(loadConfig({ ...base, GATEHOUSE_LEAK_REPORT_KEYS: LEAK_KEYS }).leakReportKeys).toEqual([{ keyIdentifier: 'gh-key-1', pem: pem(github.publicKey) }]);
});
