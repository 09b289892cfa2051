import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { refusedAddress } from './destination.js';
import { sendWebhook } from './sender.js';
import { startReceiver } from '../test-support/webhook-receiver.js';

const SECRET = `whsec_${Buffer.from('a secret of 32 bytes for tests!!').toString('base64')}`;
const message = (url: string) => ({ url, secret: SECRET, messageId: 'msg_1', payload: '{"type":"webhook.test","timestamp":"2026-06-01T10:00:00.000Z","data":{}}' });

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('refusedAddress: only public unicast destinations', () => {
  it.each([
    ['127.0.0.1', 'loopback'], ['10.1.2.3', 'private'], ['192.168.0.1', 'private'], ['172.16.5.4', 'private'], ['169.254.169.254', 'linkLocal'],
    ['0.0.0.0', 'unspecified'], ['::1', 'loopback'], ['fd00::1', 'uniqueLocal'], ['fe80::1', 'linkLocal'], ['::ffff:127.0.0.1', 'loopback'],
    ['100.64.0.1', 'carrierGradeNat'],
  ])('%s is refused (%s)', (address, range) => {
    expect(refusedAddress(address)).toContain(range);
  });
  it.each(['93.184.215.14', '8.8.8.8', '2606:4700::1111'])('%s is allowed', (address) => {
    expect(refusedAddress(address)).toBeNull();
  });
});

describe('sendWebhook', () => {
  it('signs as Standard Webhooks says: the receiver verifies with the standardwebhooks package', async () => {
    const r = await startReceiver();
    closers.push(r.close);
    const now = new Date();
    const result = await sendWebhook(message(`${r.url}/hook`), { allowPrivate: true, timeoutMs: 5000, now });
    expect(result).toEqual({ statusCode: 204, error: null });
    const [got] = r.received;
    expect(got!.headers).toMatchObject({ 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'content-type': 'application/json' });
    expect(new Webhook(SECRET).verify(got!.body, got!.headers as Record<string, string>)).toEqual({ type: 'webhook.test', timestamp: '2026-06-01T10:00:00.000Z', data: {} });
    // A tampered body fails verification (the signature covers it).
    expect(() => new Webhook(SECRET).verify(got!.body.replace('test', 'tset'), got!.headers as Record<string, string>)).toThrow();
  });

  it('does not follow redirects', async () => {
    const r = await startReceiver((req, res) => (req.path === '/hook' ? res.writeHead(307, { location: '/elsewhere' }).end() : res.writeHead(204).end()));
    closers.push(r.close);
    const result = await sendWebhook(message(`${r.url}/hook`), { allowPrivate: true, timeoutMs: 5000, now: new Date() });
    expect(result).toEqual({ statusCode: 307, error: 'redirect not followed' });
    expect(r.received.map((x) => x.path)).toEqual(['/hook']);
  });

  it('gives up when the receiver does not answer in time', async () => {
    const server = createServer(() => {
      /* never answers */
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
    const { port } = server.address() as AddressInfo;
    const result = await sendWebhook(message(`http://127.0.0.1:${port}/`), { allowPrivate: true, timeoutMs: 150, now: new Date() });
    expect(result).toEqual({ statusCode: null, error: 'timed out after 150 ms' });
  });

  it('refuses loopback destinations unless private ones are allowed: IP literals, and names as resolved at delivery', async () => {
    const r = await startReceiver();
    closers.push(r.close);
    const port = new URL(r.url).port;
    const literal = await sendWebhook(message(`http://127.0.0.1:${port}/`), { allowPrivate: false, timeoutMs: 5000, now: new Date() });
    expect(literal.statusCode).toBeNull();
    expect(literal.error).toMatch(/^refused: 127\.0\.0\.1 is a loopback address/);
    const named = await sendWebhook(message(`http://localhost:${port}/`), { allowPrivate: false, timeoutMs: 5000, now: new Date() });
    expect(named.statusCode).toBeNull();
    expect(named.error).toMatch(/^refused: localhost resolves to a non-public address/);
    expect(r.received).toHaveLength(0);
  });
});
