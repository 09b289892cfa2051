import { createTestDatabase } from '@gatehouse/db/test-support';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { BASE, GROUP, PATCH_OP, scimClient, USER } from '../scim/test-support/scim-client.js';
import { createServer } from '../server.js';
import { collectRoutes, describeOnEachDatabase, testPasswords, type TestApp } from '../test-support/test-app.js';

/*
 * Every route that changes something writes exactly its audit event when it succeeds — with its
 * actor, target and outcome, in the change's own transaction — and, when it is refused, no event
 * at all or only a security event (`auth.*`). The routes are collected from the running app, so a
 * new mutating route without a case here fails this suite.
 */

const PASSWORD = 'a-long-enough-password';

type Request = InjectOptions & { token?: string; cookie?: string };

interface Expected {
  action: string;
  targetType: string;
  /** The target's id, when known before the request (else read from `targetOf` after it). */
  targetId?: string;
  actorUserId: number | null;
}

interface Prepared {
  request: Request;
  expect: Expected;
  /** The target id from the answer, for creations. */
  targetOf?: (res: LightMyRequestResponse) => string;
  /** The same kind of request by a caller who may not make it. */
  refusal?: Request;
}

interface Case {
  prepare(t: TestApp): Promise<Prepared>;
}

/** Mutating routes that change nothing (reads that POST), and why. */
const READS: Record<string, string> = {
  'POST /api/introspect': 'reads a token’s state; refused tokens are security events (auth.failed), covered by integrity.test',
  'POST /api/scim/v2/Users/.search': 'a SCIM query (RFC 7644 §3.4.3)',
  'POST /api/scim/v2/Groups/.search': 'a SCIM query (RFC 7644 §3.4.3)',
  'POST /api/scim/v2/.search': 'a SCIM query over every resource type (RFC 7644 §3.4.3)',
};

const json = (payload: unknown) => ({ payload: payload as object });
const scimBody = (payload: unknown) => ({ headers: { 'content-type': 'application/scim+json' }, payload: JSON.stringify(payload) });
const idOf = (res: LightMyRequestResponse) => String(res.json().id);

async function member(t: TestApp) {
  const u = await t.makeUser({ role: 'Member' });
  return { ...u, cookie: await t.login(u.userId, PASSWORD) };
}

const scimUser = (userName: string) => ({ schemas: [USER], userName, name: { givenName: 'A', familyName: 'B' }, emails: [{ value: userName, primary: true }] });

const CASES: Record<string, Case> = {
  'POST /api/auth/login': {
    async prepare(t) {
      const u = await t.makeUser();
      return {
        request: { method: 'POST', url: '/api/auth/login', ...json({ email: u.userId, password: PASSWORD }) },
        expect: { action: 'auth.login', targetType: 'user', targetId: String(u.id), actorUserId: u.id },
        refusal: { method: 'POST', url: '/api/auth/login', ...json({ email: u.userId, password: 'not-the-password' }) },
      };
    },
  },
  'POST /api/auth/logout': {
    async prepare(t) {
      const u = await member(t);
      return { request: { method: 'POST', url: '/api/auth/logout', cookie: u.cookie }, expect: { action: 'auth.logout', targetType: 'session', actorUserId: u.id } };
    },
  },
  'DELETE /api/auth/sessions': {
    async prepare(t) {
      const u = await member(t);
      return { request: { method: 'DELETE', url: '/api/auth/sessions', cookie: u.cookie }, expect: { action: 'auth.sessions_ended', targetType: 'user', targetId: String(u.id), actorUserId: u.id } };
    },
  },
  'DELETE /api/auth/sessions/:id': {
    async prepare(t) {
      const u = await member(t);
      const other = await member(t);
      const id = (await t.request({ method: 'GET', url: '/api/auth/sessions', cookie: u.cookie })).json()[0].id as number;
      return {
        request: { method: 'DELETE', url: `/api/auth/sessions/${id}`, cookie: u.cookie },
        expect: { action: 'auth.session_ended', targetType: 'session', targetId: String(id), actorUserId: u.id },
        refusal: { method: 'DELETE', url: `/api/auth/sessions/${id}`, cookie: other.cookie },
      };
    },
  },
  'POST /api/users': {
    async prepare(t) {
      const m = await member(t);
      return {
        request: { method: 'POST', url: '/api/users', token: t.adminToken, ...json({ name: `Audit Robot ${Math.random()}`, role: 'Editor' }) },
        expect: { action: 'user.created', targetType: 'user', actorUserId: t.adminId },
        targetOf: idOf,
        refusal: { method: 'POST', url: '/api/users', token: m.token, ...json({ name: 'Not Allowed', role: 'Editor' }) },
      };
    },
  },
  'PUT /api/users/:id': {
    async prepare(t) {
      const [u, m] = [await member(t), await member(t)];
      return {
        request: { method: 'PUT', url: `/api/users/${u.id}`, token: t.adminToken, ...json({ name: 'Renamed' }) },
        expect: { action: 'user.updated', targetType: 'user', targetId: String(u.id), actorUserId: t.adminId },
        refusal: { method: 'PUT', url: `/api/users/${u.id}`, token: m.token, ...json({ role: 'Admin' }) },
      };
    },
  },
  'DELETE /api/users/:id': {
    async prepare(t) {
      const [u, m] = [await member(t), await member(t)];
      return {
        request: { method: 'DELETE', url: `/api/users/${u.id}`, token: t.adminToken },
        expect: { action: 'user.deleted', targetType: 'user', targetId: String(u.id), actorUserId: t.adminId },
        refusal: { method: 'DELETE', url: `/api/users/${u.id}`, token: m.token },
      };
    },
  },
  'POST /api/users/:id/revoke-tokens': {
    async prepare(t) {
      const [u, m] = [await member(t), await member(t)];
      return {
        request: { method: 'POST', url: `/api/users/${u.id}/revoke-tokens`, token: t.adminToken },
        expect: { action: 'user.tokens_revoked', targetType: 'user', targetId: String(u.id), actorUserId: t.adminId },
        refusal: { method: 'POST', url: `/api/users/${u.id}/revoke-tokens`, token: m.token },
      };
    },
  },
  'DELETE /api/users/:id/sessions': {
    async prepare(t) {
      const [u, m] = [await member(t), await member(t)];
      return {
        request: { method: 'DELETE', url: `/api/users/${u.id}/sessions`, token: t.adminToken },
        expect: { action: 'user.sessions_ended', targetType: 'user', targetId: String(u.id), actorUserId: t.adminId },
        refusal: { method: 'DELETE', url: `/api/users/${u.id}/sessions`, token: m.token },
      };
    },
  },
  'POST /api/teams': {
    async prepare(t) {
      const m = await member(t);
      return {
        request: { method: 'POST', url: '/api/teams', token: t.adminToken, ...json({ name: `Audit Team ${Math.random()}` }) },
        expect: { action: 'team.created', targetType: 'team', actorUserId: t.adminId },
        targetOf: idOf,
        refusal: { method: 'POST', url: '/api/teams', token: m.token, ...json({ name: 'Nope' }) },
      };
    },
  },
  'PUT /api/teams/:id': {
    async prepare(t) {
      const m = await member(t);
      const team = (await t.request({ method: 'POST', url: '/api/teams', token: t.adminToken, ...json({ name: `T ${Math.random()}` }) })).json();
      return {
        request: { method: 'PUT', url: `/api/teams/${team.id}`, token: t.adminToken, ...json({ description: 'changed' }) },
        expect: { action: 'team.updated', targetType: 'team', targetId: String(team.id), actorUserId: t.adminId },
        refusal: { method: 'PUT', url: `/api/teams/${team.id}`, token: m.token, ...json({ description: 'no' }) },
      };
    },
  },
  'DELETE /api/teams/:id': {
    async prepare(t) {
      const m = await member(t);
      const team = (await t.request({ method: 'POST', url: '/api/teams', token: t.adminToken, ...json({ name: `T ${Math.random()}` }) })).json();
      return {
        request: { method: 'DELETE', url: `/api/teams/${team.id}`, token: t.adminToken },
        expect: { action: 'team.deleted', targetType: 'team', targetId: String(team.id), actorUserId: t.adminId },
        refusal: { method: 'DELETE', url: `/api/teams/${team.id}`, token: m.token },
      };
    },
  },
  'POST /api/teams/:id/members': {
    async prepare(t) {
      const m = await member(t);
      const team = (await t.request({ method: 'POST', url: '/api/teams', token: t.adminToken, ...json({ name: `T ${Math.random()}` }) })).json();
      return {
        request: { method: 'POST', url: `/api/teams/${team.id}/members`, token: t.adminToken, ...json({ user_ids: [m.id] }) },
        expect: { action: 'team.updated', targetType: 'team', targetId: String(team.id), actorUserId: t.adminId },
        refusal: { method: 'POST', url: `/api/teams/${team.id}/members`, token: m.token, ...json({ user_ids: [m.id] }) },
      };
    },
  },
  'DELETE /api/teams/:id/members/:user_id': {
    async prepare(t) {
      const m = await member(t);
      const team = (await t.request({ method: 'POST', url: '/api/teams', token: t.adminToken, ...json({ name: `T ${Math.random()}`, user_ids: [m.id] }) })).json();
      return {
        request: { method: 'DELETE', url: `/api/teams/${team.id}/members/${m.id}`, token: t.adminToken },
        expect: { action: 'team.updated', targetType: 'team', targetId: String(team.id), actorUserId: t.adminId },
        refusal: { method: 'DELETE', url: `/api/teams/${team.id}/members/${m.id}`, token: m.token },
      };
    },
  },
  'POST /api/user-tokens': {
    async prepare(t) {
      const m = await member(t);
      const sa = await t.makeUser({ type: 'Service' });
      return {
        request: { method: 'POST', url: '/api/user-tokens', cookie: m.cookie, ...json({ name: 'audited', expires_in_days: 30 }) },
        expect: { action: 'token.created', targetType: 'token', actorUserId: m.id },
        targetOf: idOf,
        refusal: { method: 'POST', url: '/api/user-tokens', token: m.token, ...json({ name: 'for-a-robot', user_id: sa.id }) },
      };
    },
  },
  'PUT /api/user-tokens/:id': {
    async prepare(t) {
      const [m, other] = [await member(t), await member(t)];
      return {
        request: { method: 'PUT', url: `/api/user-tokens/${m.tokenId}`, cookie: m.cookie, ...json({ revoke: true }) },
        expect: { action: 'token.revoked', targetType: 'token', targetId: String(m.tokenId), actorUserId: m.id },
        refusal: { method: 'PUT', url: `/api/user-tokens/${m.tokenId}`, token: other.token, ...json({ revoke: true }) },
      };
    },
  },
  'POST /api/user-tokens/:id/rotate': {
    async prepare(t) {
      const [m, other] = [await member(t), await member(t)];
      return {
        request: { method: 'POST', url: `/api/user-tokens/${m.tokenId}/rotate`, cookie: m.cookie },
        expect: { action: 'token.rotated', targetType: 'token', targetId: String(m.tokenId), actorUserId: m.id },
        refusal: { method: 'POST', url: `/api/user-tokens/${m.tokenId}/rotate`, token: other.token },
      };
    },
  },
  'DELETE /api/user-tokens/:id': {
    async prepare(t) {
      const [m, other] = [await member(t), await member(t)];
      await t.request({ method: 'PUT', url: `/api/user-tokens/${m.tokenId}`, cookie: m.cookie, ...json({ revoke: true }) });
      return {
        request: { method: 'DELETE', url: `/api/user-tokens/${m.tokenId}`, cookie: m.cookie },
        expect: { action: 'token.deleted', targetType: 'token', targetId: String(m.tokenId), actorUserId: m.id },
        refusal: { method: 'DELETE', url: `/api/user-tokens/${m.tokenId}`, token: other.token },
      };
    },
  },
  'POST /api/datastores': {
    async prepare(t) {
      const [e, m] = [await t.makeUser({ role: 'Editor' }), await member(t)];
      return {
        request: { method: 'POST', url: '/api/datastores', token: e.token, ...json({ name: `audited-${Math.random()}`, type: 'postgresql' }) },
        expect: { action: 'datastore.created', targetType: 'datastore', actorUserId: e.id },
        targetOf: idOf,
        refusal: { method: 'POST', url: '/api/datastores', token: m.token, ...json({ name: 'nope', type: 'postgresql' }) },
      };
    },
  },
  'PUT /api/datastores/:id': {
    async prepare(t) {
      const m = await member(t);
      const ds = (await t.request({ method: 'POST', url: '/api/datastores', token: t.adminToken, ...json({ name: `ds-${Math.random()}`, type: 'postgresql' }) })).json();
      return {
        request: { method: 'PUT', url: `/api/datastores/${ds.id}`, token: t.adminToken, ...json({ host: 'db.internal' }) },
        expect: { action: 'datastore.updated', targetType: 'datastore', targetId: String(ds.id), actorUserId: t.adminId },
        refusal: { method: 'PUT', url: `/api/datastores/${ds.id}`, token: m.token, ...json({ host: 'evil' }) },
      };
    },
  },
  'DELETE /api/datastores/:id': {
    async prepare(t) {
      const m = await member(t);
      const ds = (await t.request({ method: 'POST', url: '/api/datastores', token: t.adminToken, ...json({ name: `ds-${Math.random()}`, type: 'postgresql' }) })).json();
      return {
        request: { method: 'DELETE', url: `/api/datastores/${ds.id}`, token: t.adminToken },
        expect: { action: 'datastore.deleted', targetType: 'datastore', targetId: String(ds.id), actorUserId: t.adminId },
        refusal: { method: 'DELETE', url: `/api/datastores/${ds.id}`, token: m.token },
      };
    },
  },
  'POST /api/leaks': {
    async prepare(t) {
      const m = await member(t);
      const leaked = await t.makeToken(t.adminToken, { name: `leaked-${Math.random()}` });
      const body = { method: 'POST' as const, url: '/api/leaks', ...json([{ token: leaked.bearer_token, type: 'gatehouse_token', url: 'https://example.com/x', source: 'content' }]) };
      return {
        request: { ...body, token: t.adminToken },
        expect: { action: 'token.leaked', targetType: 'token', targetId: String(leaked.id), actorUserId: t.adminId },
        refusal: { ...body, token: m.token },
      };
    },
  },
  'POST /api/connections': {
    async prepare(t) {
      const [e, m] = [await t.makeUser({ role: 'Editor' }), await member(t)];
      return {
        request: { method: 'POST', url: '/api/connections', token: e.token, ...json({ name: `conn-${Math.random()}`, type: 'postgresql' }) },
        expect: { action: 'connection.created', targetType: 'connection', actorUserId: e.id },
        targetOf: idOf,
        refusal: { method: 'POST', url: '/api/connections', token: m.token, ...json({ name: 'nope', type: 'postgresql' }) },
      };
    },
  },
  'PUT /api/connections/:id': {
    async prepare(t) {
      const m = await member(t);
      const c = (await t.request({ method: 'POST', url: '/api/connections', token: t.adminToken, ...json({ name: `conn-${Math.random()}`, type: 'postgresql' }) })).json();
      return {
        request: { method: 'PUT', url: `/api/connections/${c.id}`, token: t.adminToken, ...json({ host: 'db.internal' }) },
        expect: { action: 'connection.updated', targetType: 'connection', targetId: String(c.id), actorUserId: t.adminId },
        refusal: { method: 'PUT', url: `/api/connections/${c.id}`, token: m.token, ...json({ host: 'evil' }) },
      };
    },
  },
  'DELETE /api/connections/:id': {
    async prepare(t) {
      const m = await member(t);
      const c = (await t.request({ method: 'POST', url: '/api/connections', token: t.adminToken, ...json({ name: `conn-${Math.random()}`, type: 'postgresql' }) })).json();
      return {
        request: { method: 'DELETE', url: `/api/connections/${c.id}`, token: t.adminToken },
        expect: { action: 'connection.deleted', targetType: 'connection', targetId: String(c.id), actorUserId: t.adminId },
        refusal: { method: 'DELETE', url: `/api/connections/${c.id}`, token: m.token },
      };
    },
  },
  'POST /api/cli/authorize': {
    async prepare(t) {
      const m = await member(t);
      const params = new URLSearchParams({ redirect_uri: 'http://127.0.0.1:53682/cb', state: 's', hostname: `audit-${Math.random()}` });
      const page = await t.request({ method: 'GET', url: `/api/cli/authorize?${params.toString()}`, cookie: m.cookie });
      const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
      const form = (nonce: string): Request => ({
        method: 'POST', url: '/api/cli/authorize', cookie: m.cookie,
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost:80' },
        payload: new URLSearchParams({ ...Object.fromEntries(params), csrf: nonce, decision: 'approve' }).toString(),
      });
      return { request: form(csrf), expect: { action: 'token.created', targetType: 'token', actorUserId: m.id }, refusal: form('forged') };
    },
  },
  'POST /api/scim/v2/Users': {
    async prepare(t) {
      const idp = await scimClient(t);
      return {
        request: { method: 'POST', url: `${BASE}/Users`, token: idp.token, ...scimBody(scimUser(`scim-${Math.random()}@example.com`)) },
        expect: { action: 'user.created', targetType: 'user', actorUserId: t.adminId },
        targetOf: idOf,
        refusal: { method: 'POST', url: `${BASE}/Users`, token: t.adminToken, ...scimBody(scimUser('not-scim@example.com')) },
      };
    },
  },
  ...Object.fromEntries((['PUT', 'PATCH'] as const).map((method) => [`${method} /api/scim/v2/Users/:id`, {
    async prepare(t: TestApp) {
      const idp = await scimClient(t);
      const userName = `scim-${Math.random()}@example.com`;
      const id = (await idp.post('/Users', scimUser(userName))).json().id as string;
      const body = method === 'PUT' ? { ...scimUser(userName), displayName: 'Changed' } : { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Changed' }] };
      return {
        request: { method, url: `${BASE}/Users/${id}`, token: idp.token, ...scimBody(body) },
        expect: { action: 'user.updated', targetType: 'user', targetId: id, actorUserId: t.adminId },
        refusal: { method, url: `${BASE}/Users/${id}`, token: t.adminToken, ...scimBody(body) },
      };
    },
  } satisfies Case])),
  'DELETE /api/scim/v2/Users/:id': {
    async prepare(t) {
      const idp = await scimClient(t);
      const id = (await idp.post('/Users', scimUser(`scim-${Math.random()}@example.com`))).json().id as string;
      return {
        request: { method: 'DELETE', url: `${BASE}/Users/${id}`, token: idp.token },
        expect: { action: 'user.deleted', targetType: 'user', targetId: id, actorUserId: t.adminId },
        refusal: { method: 'DELETE', url: `${BASE}/Users/${id}`, token: t.adminToken },
      };
    },
  },
  'POST /api/scim/v2/Groups': {
    async prepare(t) {
      const idp = await scimClient(t);
      return {
        request: { method: 'POST', url: `${BASE}/Groups`, token: idp.token, ...scimBody({ schemas: [GROUP], displayName: `G ${Math.random()}` }) },
        expect: { action: 'team.created', targetType: 'team', actorUserId: t.adminId },
        targetOf: idOf,
        refusal: { method: 'POST', url: `${BASE}/Groups`, token: t.adminToken, ...scimBody({ schemas: [GROUP], displayName: 'Nope' }) },
      };
    },
  },
  ...Object.fromEntries((['PUT', 'PATCH'] as const).map((method) => [`${method} /api/scim/v2/Groups/:id`, {
    async prepare(t: TestApp) {
      const idp = await scimClient(t);
      const id = (await idp.post('/Groups', { schemas: [GROUP], displayName: `G ${Math.random()}` })).json().id as string;
      const body = method === 'PUT' ? { schemas: [GROUP], displayName: `Renamed ${Math.random()}` } : { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: `Renamed ${Math.random()}` }] };
      return {
        request: { method, url: `${BASE}/Groups/${id}`, token: idp.token, ...scimBody(body) },
        expect: { action: 'team.updated', targetType: 'team', targetId: id, actorUserId: t.adminId },
        refusal: { method, url: `${BASE}/Groups/${id}`, token: t.adminToken, ...scimBody(body) },
      };
    },
  } satisfies Case])),
  'DELETE /api/scim/v2/Groups/:id': {
    async prepare(t) {
      const idp = await scimClient(t);
      const id = (await idp.post('/Groups', { schemas: [GROUP], displayName: `G ${Math.random()}` })).json().id as string;
      return {
        request: { method: 'DELETE', url: `${BASE}/Groups/${id}`, token: idp.token },
        expect: { action: 'team.deleted', targetType: 'team', targetId: id, actorUserId: t.adminId },
        refusal: { method: 'DELETE', url: `${BASE}/Groups/${id}`, token: t.adminToken },
      };
    },
  },
};

/** A webhook endpoint that refuses connections at once (the suite allows private destinations). */
async function webhook(t: TestApp): Promise<number> {
  const res = await t.request({ method: 'POST', url: '/api/webhooks', token: t.adminToken, ...json({ url: 'http://127.0.0.1:9/audit', events: ['webhook.test'] }) });
  return res.json().id as number;
}

const NO_LIMITS_POLICY = { max_expiry_days: { Personal: null, Service: null }, idle_revoke_days: { Personal: null, Service: null }, expiry_reminder_days: [30, 7, 1] };

Object.assign(CASES, {
  'PUT /api/policy': {
    async prepare(t) {
      const m = await member(t);
      return {
        request: { method: 'PUT', url: '/api/policy', token: t.adminToken, ...json(NO_LIMITS_POLICY) },
        expect: { action: 'policy.updated', targetType: 'policy', targetId: '1', actorUserId: t.adminId },
        refusal: { method: 'PUT', url: '/api/policy', token: m.token, ...json(NO_LIMITS_POLICY) },
      };
    },
  },
  'POST /api/webhooks': {
    async prepare(t) {
      const m = await member(t);
      const body = json({ url: 'http://127.0.0.1:9/audit', events: ['webhook.test'] });
      return {
        request: { method: 'POST', url: '/api/webhooks', token: t.adminToken, ...body },
        expect: { action: 'webhook.created', targetType: 'webhook', actorUserId: t.adminId },
        targetOf: idOf,
        refusal: { method: 'POST', url: '/api/webhooks', token: m.token, ...body },
      };
    },
  },
  'PUT /api/webhooks/:id': {
    async prepare(t) {
      const [m, id] = [await member(t), await webhook(t)];
      return {
        request: { method: 'PUT', url: `/api/webhooks/${id}`, token: t.adminToken, ...json({ active: false }) },
        expect: { action: 'webhook.updated', targetType: 'webhook', targetId: String(id), actorUserId: t.adminId },
        refusal: { method: 'PUT', url: `/api/webhooks/${id}`, token: m.token, ...json({ active: true }) },
      };
    },
  },
  'DELETE /api/webhooks/:id': {
    async prepare(t) {
      const [m, id] = [await member(t), await webhook(t)];
      return {
        request: { method: 'DELETE', url: `/api/webhooks/${id}`, token: t.adminToken },
        expect: { action: 'webhook.deleted', targetType: 'webhook', targetId: String(id), actorUserId: t.adminId },
        refusal: { method: 'DELETE', url: `/api/webhooks/${id}`, token: m.token },
      };
    },
  },
  'POST /api/webhooks/:id/test': {
    async prepare(t) {
      const [m, id] = [await member(t), await webhook(t)];
      return {
        request: { method: 'POST', url: `/api/webhooks/${id}/test`, token: t.adminToken },
        expect: { action: 'webhook.tested', targetType: 'webhook', targetId: String(id), actorUserId: t.adminId },
        refusal: { method: 'POST', url: `/api/webhooks/${id}/test`, token: m.token },
      };
    },
  },
  'POST /api/webhooks/:id/deliveries/:delivery_id/redeliver': {
    async prepare(t) {
      const [m, id] = [await member(t), await webhook(t)];
      const delivery = (await t.request({ method: 'POST', url: `/api/webhooks/${id}/test`, token: t.adminToken })).json().id as number;
      const url = `/api/webhooks/${id}/deliveries/${delivery}/redeliver`;
      return {
        request: { method: 'POST', url, token: t.adminToken },
        expect: { action: 'webhook.redelivered', targetType: 'webhook', targetId: String(id), actorUserId: t.adminId },
        refusal: { method: 'POST', url, token: m.token },
      };
    },
  },
  'POST /api/user-tokens/self/rotate': {
    async prepare(t) {
      const m = await member(t);
      return {
        request: { method: 'POST', url: '/api/user-tokens/self/rotate', token: m.token, ...json({ grace_hours: 1 }) },
        expect: { action: 'token.rotated', targetType: 'token', targetId: String(m.tokenId), actorUserId: m.id },
        // A session is no token: nothing to rotate.
        refusal: { method: 'POST', url: '/api/user-tokens/self/rotate', cookie: m.cookie, ...json({}) },
      };
    },
  },
  'PUT /api/users/:id/owners': {
    async prepare(t) {
      const [owner, m] = [await member(t), await member(t)];
      const robot = await t.makeUser({ type: 'Service' });
      return {
        request: { method: 'PUT', url: `/api/users/${robot.id}/owners`, token: t.adminToken, ...json({ owner_ids: [owner.id] }) },
        expect: { action: 'user.owners_updated', targetType: 'user', targetId: String(robot.id), actorUserId: t.adminId },
        refusal: { method: 'PUT', url: `/api/users/${robot.id}/owners`, token: m.token, ...json({ owner_ids: [m.id] }) },
      };
    },
  },
  'POST /api/users/:id/handover': {
    async prepare(t) {
      const [leaver, m] = [await member(t), await member(t)];
      await t.request({ method: 'GET', url: '/api/users/me', token: leaver.token });
      await t.server.app.flushUsage();
      const robot = await t.makeUser({ type: 'Service' });
      return {
        request: { method: 'POST', url: `/api/users/${leaver.id}/handover`, token: t.adminToken, ...json({ service_account_id: robot.id }) },
        expect: { action: 'user.handover', targetType: 'user', targetId: String(leaver.id), actorUserId: t.adminId },
        refusal: { method: 'POST', url: `/api/users/${leaver.id}/handover`, token: m.token, ...json({ service_account_id: robot.id }) },
      };
    },
  },
} satisfies Record<string, Case>);

/** Covered by its own suite below: its success needs an installation without users. */
const SETUP = 'POST /api/auth/setup';

const MUTATING = (await collectRoutes()).filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.url}`);

interface WireEvent {
  id: number;
  action: string;
  actor_user_id: number | null;
  target_type: string | null;
  target_id: string | null;
  outcome: string;
}

async function eventsAfter(t: TestApp, afterId: number): Promise<WireEvent[]> {
  const items = (await t.request({ method: 'GET', url: '/api/audit-events?size=1000', token: t.adminToken })).json().items as WireEvent[];
  return items.filter((e) => e.id > afterId);
}

const lastEventId = async (t: TestApp) => ((await t.request({ method: 'GET', url: '/api/audit-events?size=1', token: t.adminToken })).json().items[0]?.id ?? 0) as number;

describe('audit coverage: every mutating route of the app is listed here', () => {
  it('has a case (or is a read, with a reason) for each', () => {
    const missing = MUTATING.filter((r) => !(r in CASES) && !(r in READS) && r !== SETUP);
    expect(missing, 'mutating routes without an audit case').toEqual([]);
    expect(MUTATING.length).toBeGreaterThan(20);
  });
});

describeOnEachDatabase('audit coverage: one audit event per change, none for a refusal', (app) => {
  it.each(MUTATING.filter((r) => r in CASES))('%s', async (route) => {
    const t = app();
    const prepared = await CASES[route]!.prepare(t);
    const { token, cookie, ...request } = prepared.request;
    const before = await lastEventId(t);
    const res = await t.request({ ...request, ...(token ? { token } : {}), ...(cookie ? { cookie } : {}) });
    expect(res.statusCode, res.body).toBeLessThan(400);
    const events = await eventsAfter(t, before);
    expect(events, JSON.stringify(events)).toHaveLength(1);
    const targetId = prepared.expect.targetId ?? prepared.targetOf?.(res);
    expect(events[0]).toMatchObject({
      action: prepared.expect.action,
      actor_user_id: prepared.expect.actorUserId,
      target_type: prepared.expect.targetType,
      outcome: 'success',
      ...(targetId !== undefined ? { target_id: targetId } : { target_id: expect.any(String) }),
    });

    if (prepared.refusal) {
      const { token: rt, cookie: rc, ...refusal } = prepared.refusal;
      const beforeRefusal = await lastEventId(t);
      const refused = await t.request({ ...refusal, ...(rt ? { token: rt } : {}), ...(rc ? { cookie: rc } : {}) });
      expect(refused.statusCode, refused.body).toBeGreaterThanOrEqual(400);
      await t.server.app.flushUsage();
      // token.new_ip observes a request (its client), written behind: it is no change of the refusal's.
      for (const e of (await eventsAfter(t, beforeRefusal)).filter((x) => x.action !== 'token.new_ip')) {
        expect(e.action, 'a refusal writes no change event, only a security event').toMatch(/^auth\./);
        expect(e.outcome).toBe('failure');
      }
    }
  });
}, { GATEHOUSE_WEBHOOK_ALLOW_PRIVATE: 'true' });

describe.each(['sqlite', 'postgres'] as const)('audit coverage: first-Admin setup [%s]', (kind) => {
  it('writes one user.created event, done by the system via setup; a closed setup writes none', async (ctx) => {
    const { pgAvailable } = await import('@gatehouse/db/test-support');
    if (kind === 'postgres' && !pgAvailable) return ctx.skip();
    const db = await createTestDatabase(kind);
    const config = loadConfig({ GATEHOUSE_DATA_DIR: db.dataDir, GATEHOUSE_LOG_LEVEL: 'silent', ...(db.databaseUrl ? { GATEHOUSE_DATABASE_URL: db.databaseUrl } : {}) });
    const server = await createServer(config, { passwords: testPasswords, logger: false });
    try {
      const setup = (email: string) =>
        server.app.inject({ method: 'POST', url: '/api/auth/setup', payload: { setup_token: server.setupToken, email, name: 'First', password: PASSWORD } });
      expect((await setup('first@example.com')).statusCode).toBe(200);
      const events = (await server.store.audit.list({ limit: 100 })).items;
      const created = events.filter((e) => e.action === 'user.created');
      expect(created).toHaveLength(1);
      expect(created[0]).toMatchObject({ actorUserId: null, targetType: 'user', outcome: 'success', details: { via: 'setup', role: 'Admin' } });
      const count = events.length;
      expect((await setup('second@example.com')).statusCode).toBe(403);
      expect((await server.store.audit.list({ limit: 100 })).items).toHaveLength(count);
    } finally {
      await server.close();
      await db.drop();
    }
  });
});
