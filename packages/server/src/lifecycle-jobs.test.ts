import type { AddressInfo } from 'node:net';
import { DAY_MS, runLifecycleRound } from '@gatehouse/core';
import { SMTPServer } from 'smtp-server';
import { DIALECTS } from '@gatehouse/db/test-support';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from 'pino';
import { KICK_BURST, KICK_COALESCE_MS, LifecycleJobs } from './lifecycle-jobs.js';
import { startReceiver } from './test-support/webhook-receiver.js';
import { createTestApp, type TestApp } from './test-support/test-app.js';

/*
 * The lifecycle jobs (SPEC §9) with a frozen clock, on each database: expiry reminders at 30, 7
 * and 1 days, token.expired, idle warnings 7 days before and idle revocation (reason `idle`),
 * each sent once however many rounds (or processes) run. Events are read as a receiver would,
 * from a real HTTP endpoint, signatures verified.
 */

type Event = { type: string; data: { token: { id: number }; days_left?: number; reason?: string } };

const open: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

async function setUp(kind: 'sqlite' | 'postgres', policy?: object) {
  const t = await createTestApp(kind, { GATEHOUSE_WEBHOOK_ALLOW_PRIVATE: 'true' });
  open.push(() => t.close());
  // An Admin token that outlives the weeks the tests move through.
  const admin = (await t.makeToken(t.adminToken, { name: 'long-lived', expires_in_days: 3650 })).bearer_token;
  if (policy) {
    const res = await t.request({ method: 'PUT', url: '/api/policy', token: admin, payload: policy });
    expect(res.statusCode, res.body).toBe(200);
  }
  const receiver = await startReceiver();
  open.push(receiver.close);
  const hook = (await t.request({ method: 'POST', url: '/api/webhooks', token: admin, payload: { url: receiver.url, events: ['token.expiring', 'token.expired', 'token.idle_warning', 'token.idle_revoked', 'token.revoked'] } })).json();
  const jobs = t.server.app.gatehouse.lifecycle;
  const seen = () => receiver.received.map((r) => new Webhook(hook.secret).verify(r.body, r.headers as Record<string, string>) as Event);
  return {
    t, admin, jobs,
    /** One round at the frozen clock, then the deliveries it wrote. */
    round: async () => {
      await jobs.runOnce();
      await jobs.deliverDue();
    },
    /** The events received about this token, as [type, days_left or reason]. */
    about: (tokenId: number) => seen().filter((e) => e.data.token.id === tokenId).map((e) => [e.type, e.data.days_left ?? e.data.reason ?? null]),
  };
}

const POLICY = { max_expiry_days: { Personal: null, Service: null }, idle_revoke_days: { Personal: 30, Service: null }, expiry_reminder_days: [30, 7, 1] };

describe.each(DIALECTS)('lifecycle jobs [$kind]', ({ kind, available }) => {
  it.skipIf(!available)('reminds at 30, 7 and 1 days before expiry, once each, then sends token.expired once', async () => {
    const { t, admin, round, about } = await setUp(kind);
    const token = await t.makeToken(admin, { name: 'expiring', expires_in_days: 40 });
    await round();
    expect(about(token.id)).toEqual([]);
    const steps: Array<[number, unknown[][]]> = [
      [10 * DAY_MS, [['token.expiring', 30]]],
      [DAY_MS, [['token.expiring', 30]]], // 29 days left: nothing new
      [22 * DAY_MS, [['token.expiring', 30], ['token.expiring', 7]]],
      [6 * DAY_MS, [['token.expiring', 30], ['token.expiring', 7], ['token.expiring', 1]]],
      [DAY_MS + 1000, [['token.expiring', 30], ['token.expiring', 7], ['token.expiring', 1], ['token.expired', null]]],
    ];
    for (const [ms, expected] of steps) {
      t.clock.advance(ms);
      await round();
      await round();
      expect(about(token.id)).toEqual(expected);
    }
  });

  it.skipIf(!available)('a token created 5 days before its end gets one reminder (the 7-day one, 5 days left), not three', async () => {
    const { t, admin, round, about } = await setUp(kind);
    const token = await t.makeToken(admin, { name: 'short', expires_in_days: 5 });
    await round();
    expect(about(token.id)).toEqual([['token.expiring', 5]]);
    t.clock.advance(2 * DAY_MS);
    await round();
    expect(about(token.id)).toEqual([['token.expiring', 5]]);
  });

  it.skipIf(!available)('idle tokens are warned 7 days before and then revoked with reason idle; a used token is not', async () => {
    const { t, admin, round, about } = await setUp(kind, POLICY);
    const idle = await t.makeUser();
    const busy = await t.makeUser();
    t.clock.advance(20 * DAY_MS);
    for (const token of [busy.token, admin]) expect((await t.request({ method: 'GET', url: '/api/users/me', token })).statusCode).toBe(200);
    await t.server.app.flushUsage();
    t.clock.advance(3 * DAY_MS); // day 23: the idle token has 7 days left
    await round();
    await round();
    expect(about(idle.tokenId)).toEqual([['token.idle_warning', 7]]);
    expect(about(busy.tokenId)).toEqual([]);
    t.clock.advance(6 * DAY_MS);
    await round();
    expect(about(idle.tokenId)).toEqual([['token.idle_warning', 7]]);
    t.clock.advance(DAY_MS); // day 30
    await round();
    await round();
    expect(about(idle.tokenId)).toEqual([['token.idle_warning', 7], ['token.idle_revoked', 'idle'], ['token.revoked', 'idle']]);
    expect((await t.request({ method: 'GET', url: '/api/users/me', token: idle.token })).statusCode).toBe(401);
    const revoked = (await t.request({ method: 'GET', url: `/api/user-tokens/${idle.tokenId}`, token: admin })).json();
    expect(revoked).toMatchObject({ active: false });
    const audit = (await t.request({ method: 'GET', url: '/api/audit-events?action=token.revoked', token: admin })).json().items;
    expect(audit[0]).toMatchObject({ target_id: String(idle.tokenId), actor_user_id: null, details: { reason: 'idle', idle_days: 30, limit_days: 30 } });
    expect(about(busy.tokenId)).toEqual([]);
  });

  it.skipIf(!available)('a token already idle beyond a new limit is warned first, never cut without 7 days of notice', async () => {
    const { t, admin, round, about } = await setUp(kind);
    const old = await t.makeUser();
    t.clock.advance(100 * DAY_MS);
    await t.request({ method: 'PUT', url: '/api/policy', token: admin, payload: POLICY });
    await round();
    expect(about(old.tokenId)).toEqual([['token.idle_warning', 7]]);
    t.clock.advance(7 * DAY_MS - 1000);
    await round();
    expect(about(old.tokenId)).toEqual([['token.idle_warning', 7]]);
    t.clock.advance(1000);
    await round();
    expect(about(old.tokenId)).toEqual([['token.idle_warning', 7], ['token.idle_revoked', 'idle'], ['token.revoked', 'idle']]);
    expect((await t.request({ method: 'GET', url: '/api/users/me', token: old.token })).statusCode).toBe(401);
  });

  it.skipIf(!available)("a token's own idle_revoke_days cuts it sooner: warned 7 days before its own limit, then revoked; the others are untouched", async () => {
    const { t, admin, round, about } = await setUp(kind);
    const own = await t.makeToken(admin, { name: 'short-idle', expires_in_days: 3650, idle_revoke_days: 10 });
    const plain = await t.makeToken(admin, { name: 'no-own-limit', expires_in_days: 3650 });
    expect(own).toMatchObject({ idle_revoke_days: 10 });
    expect((await t.request({ method: 'GET', url: `/api/user-tokens/${own.id}`, token: admin })).json()).toMatchObject({ idle_revoke_days: 10 });
    t.clock.advance(3 * DAY_MS - 1000);
    await round();
    expect(about(own.id)).toEqual([]);
    t.clock.advance(1000); // day 3: 7 days before its own limit
    await round();
    await round();
    expect(about(own.id)).toEqual([['token.idle_warning', 7]]);
    t.clock.advance(7 * DAY_MS); // day 10
    await round();
    await round();
    expect(about(own.id)).toEqual([['token.idle_warning', 7], ['token.idle_revoked', 'idle'], ['token.revoked', 'idle']]);
    expect(about(plain.id)).toEqual([]);
    expect((await t.request({ method: 'GET', url: '/api/users/me', token: own.bearer_token })).statusCode).toBe(401);
    expect((await t.request({ method: 'GET', url: '/api/users/me', token: plain.bearer_token })).statusCode).toBe(200);
  });

  it.skipIf(!available)("an own idle limit may shorten the type's policy, never lengthen it (create and PUT)", async () => {
    const { t, admin, round, about } = await setUp(kind, POLICY);
    const longer = await t.request({ method: 'POST', url: '/api/user-tokens', token: admin, payload: { name: 'too-long', expires_in_days: 3650, idle_revoke_days: 31 } });
    expect(longer.statusCode).toBe(422);
    expect(longer.json()).toMatchObject({ field: 'idle_revoke_days' });
    expect(longer.json().detail).toContain('idle_revoke_days.Personal');
    const token = await t.makeToken(admin, { name: 'within', expires_in_days: 3650, idle_revoke_days: 20 });
    expect(token).toMatchObject({ idle_revoke_days: 20 });
    const put = (days: unknown) => t.request({ method: 'PUT', url: `/api/user-tokens/${token.id}`, token: admin, payload: { idle_revoke_days: days } });
    for (const bad of [40, 0]) {
      const res = await put(bad);
      expect(res.statusCode).toBe(422);
      expect(res.json().field).toBe('idle_revoke_days');
    }
    const shortened = await put(14);
    expect(shortened.statusCode, shortened.body).toBe(200);
    expect(shortened.json()).toMatchObject({ idle_revoke_days: 14 });
    const audit = (await t.request({ method: 'GET', url: '/api/audit-events?action=token.idle_limit_set', token: admin })).json().items;
    expect(audit[0]).toMatchObject({ target_id: String(token.id), details: { idle_revoke_days: 14, before: 20 } });
    // Own limit 14 under a policy of 30: warned at day 7, revoked at day 14.
    t.clock.advance(7 * DAY_MS);
    await round();
    expect(about(token.id)).toEqual([['token.idle_warning', 7]]);
    t.clock.advance(7 * DAY_MS);
    await round();
    expect(about(token.id)).toEqual([['token.idle_warning', 7], ['token.idle_revoked', 'idle'], ['token.revoked', 'idle']]);
    // null: back to the policy alone.
    const other = await t.makeToken(admin, { name: 'other', expires_in_days: 3650, idle_revoke_days: 5 });
    expect((await t.request({ method: 'PUT', url: `/api/user-tokens/${other.id}`, token: admin, payload: { idle_revoke_days: null } })).json()).toMatchObject({ idle_revoke_days: null });
  });

  it.skipIf(!available)('two rounds at once (two processes) send each notice once', async () => {
    const { t, admin, jobs, about } = await setUp(kind, POLICY);
    const tokens = await Promise.all(Array.from({ length: 5 }, (_, i) => t.makeToken(admin, { name: `race-${i}`, expires_in_days: 3 })));
    const deps = t.server.app.gatehouse.deps;
    const rounds = await Promise.all([runLifecycleRound(deps), runLifecycleRound(deps), runLifecycleRound(deps)]);
    // The five, and the test Admin's first token (30 days left): each once.
    expect(rounds.reduce((n, r) => n + r.expiring, 0)).toBe(6);
    await jobs.deliverDue();
    for (const token of tokens) expect(about(token.id)).toEqual([['token.expiring', 3]]);
  });
});

/** RFC 2047 encoded words (=?UTF-8?Q?…?=), as nodemailer writes a subject with quotes. */
const decodeHeader = (v: string) =>
  v.replace(/\?=\s+=\?/g, '?==?').replace(/=\?UTF-8\?Q\?(.*?)\?=/gi, (_m, q: string) => Buffer.from(q.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'));
/** RFC 2045 quoted-printable (long lines are soft-broken). */
const decodeQuotedPrintable = (v: string) => v.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16)));

describe.each(DIALECTS)('lifecycle e-mail through SMTP [$kind]', ({ kind, available }) => {
  it.skipIf(!available)('expiry reminders are mailed once (idle warnings and revocations likewise): a Personal token to its owner, a service token to the Admin who created the account', async () => {
    const mails: Array<{ to: string[]; subject: string; body: string }> = [];
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        let body = '';
        stream.on('data', (d: Buffer) => (body += d.toString()));
        stream.on('end', () => {
          mails.push({ to: session.envelope.rcptTo.map((r) => r.address), subject: decodeHeader(/^Subject: (.*)$/m.exec(body.replace(/\r?\n[ \t]+/g, ' '))?.[1] ?? ''), body: decodeQuotedPrintable(body) });
          callback();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    open.push(() => new Promise((r) => smtp.close(() => r(undefined))));
    const port = (smtp.server.address() as AddressInfo).port;
    const t = await createTestApp(kind, { GATEHOUSE_SMTP_URL: `smtp://127.0.0.1:${port}`, GATEHOUSE_MAIL_FROM: 'gatehouse@example.com' });
    open.push(() => t.close());
    const member = await t.makeUser();
    const personal = await t.makeToken(member.token, { name: 'laptop', expires_in_days: 7 });
    const robot = await t.makeUser({ type: 'Service', name: 'Mailer Robot' });
    await t.makeToken(t.adminToken, { name: 'nightly', user_id: robot.id, expires_in_days: 1 });
    // Owners set on an account are told instead of its creator.
    const owned = await t.makeUser({ type: 'Service', name: 'Owned Robot' });
    await t.makeToken(t.adminToken, { name: 'hourly', user_id: owned.id, expires_in_days: 2 });
    expect((await t.request({ method: 'PUT', url: `/api/users/${owned.id}/owners`, token: t.adminToken, payload: { owner_ids: [member.id] } })).statusCode).toBe(200);
    await t.server.app.gatehouse.lifecycle.runOnce();
    await t.server.app.gatehouse.lifecycle.runOnce();
    const about = (name: string) => mails.filter((m) => m.subject.includes(`"${name}"`)).map((m) => [m.to, m.subject]);
    expect(about('laptop')).toEqual([[[member.userId], 'Gatehouse: token "laptop" expires in 7 days']]);
    expect(about('nightly')).toEqual([[['admin@example.com'], 'Gatehouse: token "nightly" expires in 1 day']]);
    expect(about('hourly')).toEqual([[[member.userId], 'Gatehouse: token "hourly" expires in 2 days']]);
    expect(mails.find((m) => m.subject.includes('laptop'))!.body).toContain(`gatehouse tokens rotate ${personal.id} --grace-hours 24`);
    expect(mails.every((m) => !m.body.includes('eyJ'))).toBe(true); // never a secret
  });
});

describe('delivery kicks (issuance under load)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('events now and then are delivered at once; a stream of them shares a few rounds per 150 ms', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
    const claims: number[] = [];
    const store = { webhooks: { claimDue: async () => (claims.push(performance.now()), []), recordAttempts: async () => [] } };
    const deps = { store, clock: { now: () => new Date() } } as unknown as ConstructorParameters<typeof LifecycleJobs>[0]['deps'];
    const log = { info() {}, warn() {} } as unknown as Logger;
    const jobs = new LifecycleJobs({ deps, log, allowPrivate: true }, 60_000);
    const t0 = performance.now();
    // A stream: 50 events over 100 ms. The first KICK_BURST go out at once, the rest share one round.
    for (let i = 0; i < 50; i++) {
      jobs.kick();
      await vi.advanceTimersByTimeAsync(2);
    }
    expect(claims).toEqual(Array.from({ length: KICK_BURST }, (_, i) => t0 + 2 * i));
    await vi.advanceTimersByTimeAsync(KICK_COALESCE_MS - 100 - 1);
    expect(claims).toHaveLength(KICK_BURST);
    await vi.advanceTimersByTimeAsync(1);
    expect(claims).toHaveLength(KICK_BURST + 1);
    expect(claims.at(-1)).toBe(t0 + KICK_COALESCE_MS);
    // Quiet again: the next event goes out at once.
    await vi.advanceTimersByTimeAsync(1000);
    jobs.kick();
    await vi.advanceTimersByTimeAsync(0);
    expect(claims.at(-1)).toBe(t0 + KICK_COALESCE_MS + 1000);
    expect(claims).toHaveLength(KICK_BURST + 2);
    await jobs.stop();
  });

  it('events arriving during a round wait for the window too, not for the round to end', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
    const claims: number[] = [];
    // Each claim takes 20 ms (the sends of a round, say).
    const claimDue = () => (claims.push(performance.now()), new Promise<never[]>((resolve) => setTimeout(() => resolve([]), 20)));
    const deps = { store: { webhooks: { claimDue, recordAttempts: async () => [] } }, clock: { now: () => new Date() } } as unknown as ConstructorParameters<typeof LifecycleJobs>[0]['deps'];
    const jobs = new LifecycleJobs({ deps, log: { info() {}, warn() {} } as unknown as Logger, allowPrivate: true }, 60_000);
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) {
      jobs.kick();
      await vi.advanceTimersByTimeAsync(2);
    }
    // KICK_BURST rounds back to back; the next waits until the first leaves the window (without
    // the window, a round every 20 ms for as long as the events come).
    const burst = (from: number) => Array.from({ length: KICK_BURST }, (_, i) => t0 + from + 20 * i);
    expect(claims).toEqual([...burst(0), ...burst(KICK_COALESCE_MS)].filter((t) => t < t0 + 200));
    await vi.advanceTimersByTimeAsync(200);
    expect(claims).toEqual([...burst(0), ...burst(KICK_COALESCE_MS)]); // the events stopped at 200 ms
    // stop() cuts a round's wait short.
    jobs.kick();
    await vi.advanceTimersByTimeAsync(25);
    jobs.kick();
    const stopped = jobs.stop();
    await vi.advanceTimersByTimeAsync(20);
    await stopped;
  });
});
