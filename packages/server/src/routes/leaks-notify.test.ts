import { Webhook } from 'standardwebhooks';
import { afterAll, expect, it, vi } from 'vitest';
import { startMailCatcher } from '../test-support/mail-catcher.js';
import { describeOnEachDatabase } from '../test-support/test-app.js';
import { startReceiver } from '../test-support/webhook-receiver.js';

/* SPEC §11: a leaked token is revoked with reason `leaked` — token.leaked and token.revoked webhooks, mail to the owner. */

const catcher = await startMailCatcher();
const receiver = await startReceiver();
afterAll(async () => {
  await catcher.close();
  await receiver.close();
});

describeOnEachDatabase('a reported leak is announced', (app) => {
  it('as token.leaked and token.revoked (reason leaked), and by mail to the owner without the secret', async () => {
    const t = app();
    const owner = await t.makeUser({ name: 'Leaky Lou' });
    const hook = (await t.request({ method: 'POST', url: '/api/webhooks', token: t.adminToken, payload: { url: receiver.url, events: ['token.leaked', 'token.revoked'] } })).json();
    const leaked = await t.makeToken(owner.token, { name: 'pasted-in-a-gist', expires_in_days: 30 });
    const res = await t.request({
      method: 'POST', url: '/api/leaks', token: t.adminToken,
      payload: [{ token: leaked.bearer_token, type: 'gatehouse_token', url: 'https://gist.github.com/lou/1', source: 'gist' }],
    });
    expect(res.json()[0]).toMatchObject({ label: 'true_positive' });
    await t.server.app.gatehouse.lifecycle.deliverDue();
    // One receiver for both databases: this app's events are signed with this endpoint's secret.
    const mine = receiver.received.flatMap((r) => {
      try {
        return [new Webhook(hook.secret).verify(r.body, r.headers as Record<string, string>) as { type: string; data: { token: { id: number }; reason: string } }];
      } catch {
        return [];
      }
    });
    expect(mine.filter((e) => e.data.token.id === leaked.id).map((e) => [e.type, e.data.reason])).toEqual([['token.leaked', 'leaked'], ['token.revoked', 'leaked']]);
    const mails = () => catcher.mails.filter((m) => m.to.includes(owner.userId));
    await vi.waitFor(() => expect(mails()).toHaveLength(1), { timeout: 5000 });
    expect(mails()[0]!.subject).toBe('Gatehouse: token "pasted-in-a-gist" was found in public and revoked');
    expect(mails()[0]!.body).toContain('(gist) at https://gist.github.com/lou/1');
    expect(mails()[0]!.body).not.toContain(leaked.bearer_token.slice(0, 40));
  });
}, { GATEHOUSE_SMTP_URL: catcher.url, GATEHOUSE_MAIL_FROM: 'gatehouse@example.com', GATEHOUSE_WEBHOOK_ALLOW_PRIVATE: 'true' });
