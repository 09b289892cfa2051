import { Webhook } from 'standardwebhooks';
import { afterEach, expect, it } from 'vitest';
import { RETRY_DELAYS_MS } from '../lifecycle-jobs.js';
import { startReceiver } from '../test-support/webhook-receiver.js';
import { describeOnEachDatabase, withApp, type TestApp } from '../test-support/test-app.js';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** An endpoint on a real receiver, removed after the test (so that later tests' events do not reach it). */
async function endpointOn(t: TestApp, events: string[], answer?: Parameters<typeof startReceiver>[0]) {
  const receiver = await startReceiver(answer);
  const res = await t.request({ method: 'POST', url: '/api/webhooks', token: t.adminToken, payload: { url: `${receiver.url}/hooks`, events, description: 'test receiver' } });
  expect(res.statusCode, res.body).toBe(200);
  const endpoint = res.json() as { id: number; secret: string; url: string };
  closers.push(receiver.close, () => t.request({ method: 'DELETE', url: `/api/webhooks/${endpoint.id}`, token: t.adminToken }));
  return { ...endpoint, receiver, verify: (i: number) => new Webhook(endpoint.secret).verify(receiver.received[i]!.body, receiver.received[i]!.headers as Record<string, string>) as { type: string; data: Record<string, any> } };
}

/** Waits for this process's delivery round (started by the change) to finish. */
const delivered = (t: TestApp) => t.server.app.gatehouse.lifecycle.deliverDue();
const deliveries = async (t: TestApp, id: number) => (await t.request({ method: 'GET', url: `/api/webhooks/${id}/deliveries`, token: t.adminToken })).json();

describeOnEachDatabase('webhooks (SPEC §9)', (app) => {
  it('an Admin adds an endpoint (secret shown once), lists, reads, changes and deletes it', async () => {
    const t = app();
    const created = await t.request({ method: 'POST', url: '/api/webhooks', token: t.adminToken, payload: { url: 'http://127.0.0.1:9/x', events: ['token.revoked', 'token.revoked'] } });
    expect(created.statusCode).toBe(200);
    const body = created.json();
    expect(body).toEqual({ id: expect.any(Number), url: 'http://127.0.0.1:9/x', events: ['token.revoked'], description: null, active: true, created: '2026-06-01T10:00:00Z', secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/) });
    const read = await t.request({ method: 'GET', url: `/api/webhooks/${body.id}`, token: t.adminToken });
    expect(read.json()).not.toHaveProperty('secret');
    expect((await t.request({ method: 'GET', url: '/api/webhooks', token: t.adminToken })).json().map((e: { id: number }) => e.id)).toContain(body.id);
    const changed = await t.request({ method: 'PUT', url: `/api/webhooks/${body.id}`, token: t.adminToken, payload: { events: ['*'], active: false } });
    expect(changed.json()).toMatchObject({ events: ['*'], active: false });
    expect((await t.request({ method: 'DELETE', url: `/api/webhooks/${body.id}`, token: t.adminToken })).statusCode).toBe(204);
    expect((await t.request({ method: 'GET', url: `/api/webhooks/${body.id}`, token: t.adminToken })).statusCode).toBe(404);
  });

  it('bad input is a 422 naming the field; non-Admins get 403', async () => {
    const t = app();
    const bad = async (payload: object) => (await t.request({ method: 'POST', url: '/api/webhooks', token: t.adminToken, payload })).json();
    expect(await bad({ url: 'ftp://example.com/', events: ['*'] })).toMatchObject({ field: 'url', detail: 'url: must be an absolute http:// or https:// URL' });
    expect(await bad({ url: 'http://127.0.0.1/', events: ['token.nope'] })).toMatchObject({ field: 'events[0]' });
    expect(await bad({ url: 'http://u:p@127.0.0.1/', events: ['*'] })).toMatchObject({ field: 'url', detail: 'url: must not contain credentials' });
    const manager = await t.makeUser({ role: 'Manager' });
    expect((await t.request({ method: 'GET', url: '/api/webhooks', token: manager.token })).statusCode).toBe(403);
    expect((await t.request({ method: 'POST', url: '/api/webhooks', token: manager.token, payload: { url: 'http://127.0.0.1/', events: ['*'] } })).statusCode).toBe(403);
  });

  it('a revocation reaches a subscribed receiver, signed (verified with standardwebhooks), and is logged as delivered', async () => {
    const t = app();
    const hook = await endpointOn(t, ['token.revoked']);
    const m = await t.makeUser();
    const revoke = await t.request({ method: 'PUT', url: `/api/user-tokens/${m.tokenId}`, token: m.token, payload: { revoke: true } });
    expect(revoke.statusCode).toBe(200);
    await delivered(t);
    // Only what it subscribed to: the member's token.created did not reach it.
    expect(hook.receiver.received).toHaveLength(1);
    const event = hook.verify(0);
    expect(event).toEqual({
      type: 'token.revoked',
      timestamp: '2026-06-01T10:00:00.000Z',
      data: { token: { id: m.tokenId, name: 'mine', type: 'Personal', expiration: null, last_used: null }, user: { id: m.id, user_id: m.userId }, reason: 'owner' },
    });
    const log = await deliveries(t, hook.id);
    expect(log).toMatchObject({ total: 1, page: 1, items: [{ event: 'token.revoked', status: 'delivered', attempts: 1, last_status_code: 204, next_attempt_at: null }] });
    expect(log.items[0].message_id).toBe(hook.receiver.received[0]!.headers['webhook-id']);
  });

  it('a failed attempt is retried with backoff; a redelivery sends the same message again', async () => {
    const t = app();
    const hook = await endpointOn(t, ['token.created'], (_q, res, n) => res.writeHead(n === 1 ? 503 : 200).end());
    await t.makeToken(t.adminToken, { name: `retry-${Math.random()}`, expires_in_days: 7 });
    await delivered(t);
    let [d] = (await deliveries(t, hook.id)).items;
    expect(d).toMatchObject({ status: 'pending', attempts: 1, last_status_code: 503, last_error: 'HTTP 503' });
    expect(Date.parse(d.next_attempt_at) - t.clock.nowMs()).toBe(RETRY_DELAYS_MS[0]);
    // Not due yet: a round sends nothing.
    await t.server.app.gatehouse.lifecycle.runOnce();
    expect(hook.receiver.received).toHaveLength(1);
    t.clock.advance(RETRY_DELAYS_MS[0]);
    await t.server.app.gatehouse.lifecycle.runOnce();
    [d] = (await deliveries(t, hook.id)).items;
    expect(d).toMatchObject({ status: 'delivered', attempts: 2, last_status_code: 200 });
    expect(hook.receiver.received.map((r) => r.headers['webhook-id'])).toEqual([d.message_id, d.message_id]);

    const again = await t.request({ method: 'POST', url: `/api/webhooks/${hook.id}/deliveries/${d.id}/redeliver`, token: t.adminToken });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ event: 'token.created', status: 'pending', message_id: d.message_id });
    await delivered(t);
    expect(hook.receiver.received).toHaveLength(3);
    expect(hook.verify(2)).toEqual(hook.verify(0));
    expect((await t.request({ method: 'POST', url: `/api/webhooks/${hook.id}/deliveries/999999/redeliver`, token: t.adminToken })).statusCode).toBe(404);
  });

  it('deactivating a person sends user.deactivated with the tokens in use that stop; incident response sends token.revoked for each', async () => {
    const t = app();
    const hook = await endpointOn(t, ['user.deactivated', 'token.revoked']);
    const leaver = await t.makeUser();
    expect((await t.request({ method: 'GET', url: '/api/users/me', token: leaver.token, headers: { 'user-agent': 'nightly-export/2.1' } })).statusCode).toBe(200);
    await t.server.app.flushUsage();
    expect((await t.request({ method: 'PUT', url: `/api/users/${leaver.id}`, token: t.adminToken, payload: { active: false } })).statusCode).toBe(200);
    await delivered(t);
    const [event] = hook.receiver.received.map((_, i) => hook.verify(i));
    expect(event).toMatchObject({
      type: 'user.deactivated',
      data: {
        user: { id: leaver.id, user_id: leaver.userId, user_type: 'Human' },
        via: 'api',
        tokens_stopped: [{ id: leaver.tokenId, name: 'mine', type: 'Personal', last_used: expect.any(String), clients: [{ ip: '127.0.0.1', last_seen: expect.any(String) }] }],
      },
    });

    const victim = await t.makeUser();
    await t.request({ method: 'POST', url: `/api/users/${victim.id}/revoke-tokens`, token: t.adminToken });
    await delivered(t);
    const last = hook.verify(hook.receiver.received.length - 1);
    expect(last).toMatchObject({ type: 'token.revoked', data: { token: { id: victim.tokenId }, reason: 'incident' } });
  });

  it('"send test" delivers webhook.test to that endpoint whatever it subscribed to', async () => {
    const t = app();
    const hook = await endpointOn(t, ['token.leaked']);
    const res = await t.request({ method: 'POST', url: `/api/webhooks/${hook.id}/test`, token: t.adminToken });
    expect(res.json()).toMatchObject({ event: 'webhook.test', status: 'pending' });
    await delivered(t);
    expect(hook.verify(0)).toMatchObject({ type: 'webhook.test', data: { webhook_id: hook.id } });
  });
}, { GATEHOUSE_WEBHOOK_ALLOW_PRIVATE: 'true' });

withApp({}, (app) => {
  it('without GATEHOUSE_WEBHOOK_ALLOW_PRIVATE, loopback, private and link-local destinations are refused when saved (names resolved)', async () => {
    const t = app();
    for (const url of ['http://127.0.0.1:8080/', 'http://localhost/', 'http://10.0.0.8/', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/']) {
      const res = await t.request({ method: 'POST', url: '/api/webhooks', token: t.adminToken, payload: { url, events: ['*'] } });
      expect(res.statusCode, url).toBe(422);
      expect(res.json().field).toBe('url');
      expect(res.json().detail).toContain('GATEHOUSE_WEBHOOK_ALLOW_PRIVATE');
    }
  });
});
