import { Webhook } from 'standardwebhooks';
import { afterAll, expect, it, vi } from 'vitest';
import { describeOnEachDatabase } from '../test-support/test-app.js';
import { startReceiver } from '../test-support/webhook-receiver.js';

/* SPEC §10: a client never seen before for a token emits token.new_ip, as a webhook too. */

const receiver = await startReceiver();
afterAll(() => receiver.close());

describeOnEachDatabase('token.new_ip webhook', (app) => {
  it('is delivered, signed, once per new client, right after the counts are written', async () => {
    const t = app();
    const hook = (await t.request({ method: 'POST', url: '/api/webhooks', token: t.adminToken, payload: { url: receiver.url, events: ['token.new_ip'] } })).json();
    const token = await t.makeToken(t.adminToken, { name: `watched-${Math.random()}`, expires_in_days: 30 });
    for (const ua of ['deploy-bot/1', 'deploy-bot/1', 'laptop-curl/8']) {
      expect((await t.request({ method: 'GET', url: '/api/users/me', token: token.bearer_token, headers: { 'user-agent': ua } })).statusCode).toBe(200);
    }
    await t.server.app.flushUsage();
    // One receiver for both databases: this app's events verify with this endpoint's secret.
    const mine = () => receiver.received.flatMap((r) => {
      try {
        return [new Webhook(hook.secret).verify(r.body, r.headers as Record<string, string>) as { type: string; data: { token: { id: number }; user_agent: string; ip: string } }];
      } catch {
        return [];
      }
    }).filter((e) => e.data.token.id === token.id);
    await vi.waitFor(() => expect(mine()).toHaveLength(2), { timeout: 5000 });
    expect(mine().map((e) => [e.type, e.data.user_agent, e.data.ip]).sort()).toEqual([
      ['token.new_ip', 'deploy-bot/1', '127.0.0.1'],
      ['token.new_ip', 'laptop-curl/8', '127.0.0.1'],
    ]);
    // Seen before: nothing more on the next flush.
    await t.request({ method: 'GET', url: '/api/users/me', token: token.bearer_token, headers: { 'user-agent': 'deploy-bot/1' } });
    await t.server.app.flushUsage();
    await t.server.app.gatehouse.lifecycle.deliverDue();
    expect(mine()).toHaveLength(2);
  });
}, { GATEHOUSE_WEBHOOK_ALLOW_PRIVATE: 'true' });
