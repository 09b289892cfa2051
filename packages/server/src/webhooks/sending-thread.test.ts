import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startReceiver } from '../test-support/webhook-receiver.js';
import { SendingThread } from './sending-thread.js';

// The thread runs the compiled worker (`npm run build` first, as for the tests of whole processes).
const BUILT_WORKER = new URL('../../dist/webhooks/sending-thread-worker.js', import.meta.url);
const SECRET = `whsec_${Buffer.from('a secret of 32 bytes for tests!!').toString('base64')}`;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

function thread(url = BUILT_WORKER) {
  const warn = vi.fn();
  const sending = SendingThread.create({ warn }, url);
  if (!sending) throw new Error(`no compiled worker at ${url.pathname}: run npm run build`);
  closers.push(() => sending.close());
  return { sending, warn };
}

/** A worker of our own making, whose message handler is `onMessage` (source text). */
function brokenWorker(onMessage: string): URL {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-thread-'));
  closers.push(async () => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'worker.mjs');
  writeFileSync(file, `import { parentPort } from 'node:worker_threads';\nparentPort.on('message', ${onMessage});\n`);
  return pathToFileURL(file);
}

describe('SendingThread', () => {
  it('sends each attempt from its own thread, signed: the receiver verifies every one', async () => {
    const r = await startReceiver();
    closers.push(r.close);
    const { sending } = thread();
    const now = new Date();
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        sending.send({ url: `${r.url}/hook`, secret: SECRET, messageId: `msg_${i}`, payload: JSON.stringify({ type: 'webhook.test', timestamp: now.toISOString(), data: { i } }) }, { allowPrivate: true, timeoutMs: 5000, now }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 40 }, () => ({ statusCode: 204, error: null })));
    const verified = r.received.map((m) => (new Webhook(SECRET).verify(m.body, m.headers as Record<string, string>) as { data: { i: number } }).data.i);
    expect(verified.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(r.received.find((m) => m.body.includes('"i":7'))!.headers['webhook-id']).toBe('msg_7');
  });

  it('applies the destination rules on the thread: loopback refused unless private destinations are allowed', async () => {
    const r = await startReceiver();
    closers.push(r.close);
    const { sending } = thread();
    const target = { url: `${r.url}/hook`, secret: SECRET, messageId: 'msg_x', payload: '{}' };
    const refused = await sending.send(target, { allowPrivate: false, timeoutMs: 5000, now: new Date() });
    expect(refused.statusCode).toBeNull();
    expect(refused.error).toMatch(/^refused: 127\.0\.0\.1 is a loopback address/);
    expect(r.received).toHaveLength(0);
  });

  it('when the thread stops, its attempts fail with the reason and later ones are sent in-process', async () => {
    const r = await startReceiver();
    closers.push(r.close);
    const { sending, warn } = thread(brokenWorker('() => process.exit(3)'));
    const target = { url: `${r.url}/hook`, secret: SECRET, messageId: 'msg_1', payload: '{}' };
    const options = { allowPrivate: true, timeoutMs: 5000, now: new Date() };
    expect(await sending.send(target, options)).toEqual({ statusCode: null, error: 'the webhook sending thread stopped (exit code 3)' });
    expect(warn).toHaveBeenCalledWith({ code: 3 }, expect.stringContaining('sent in-process from now on'));
    expect(await sending.send(target, options)).toEqual({ statusCode: 204, error: null });
    expect(r.received).toHaveLength(1);
  });

  it('a thread that stops answering is stopped after twice the attempt timeout; its attempts fail, later ones go in-process', async () => {
    const r = await startReceiver();
    closers.push(r.close);
    const { sending, warn } = thread(brokenWorker('() => { for (;;); }'));
    const target = { url: `${r.url}/hook`, secret: SECRET, messageId: 'msg_1', payload: '{}' };
    const options = { allowPrivate: true, timeoutMs: 100, now: new Date() };
    const started = performance.now();
    const stuck = await sending.send(target, options);
    expect(stuck.statusCode).toBeNull();
    expect(stuck.error).toMatch(/^the webhook sending thread stopped/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
    expect(warn).toHaveBeenCalledWith({ afterMs: 200 }, 'the webhook sending thread did not answer; stopping it');
    expect(await sending.send(target, options)).toEqual({ statusCode: 204, error: null });
  });

  it('is not used where no compiled worker exists (the TypeScript sources)', () => {
    expect(SendingThread.create({ warn: () => {} }, new URL('./no-such-worker.js', import.meta.url))).toBeNull();
  });
});
