import { EventEmitter } from 'node:events';
import type { AuthChange } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { APPLIED, CHANGE, type ClusterMessage } from './messages.js';
import { ClusterAuthChangeBus, type PrimaryChannel } from './worker-bus.js';

/** A worker's channel to its primary: what the worker sent, and a way to deliver the primary's messages. */
class FakeChannel extends EventEmitter implements PrimaryChannel {
  readonly sent: ClusterMessage[] = [];
  closed = false;
  send(message: ClusterMessage, done: (err: Error | null) => void): void {
    if (this.closed) return done(new Error('channel closed'));
    this.sent.push(message);
    done(null);
  }
  fromPrimary(message: unknown): void {
    this.emit('message', message);
  }
}

const REVOKE: AuthChange = { kind: 'token', tokenId: 7 };
/** Whether a promise has settled, after the microtasks queued so far. */
const settled = async (p: Promise<unknown>) => Promise.race([p.then(() => true), new Promise((r) => setImmediate(() => r(false)))]);

describe('ClusterAuthChangeBus (a worker publishing and applying auth changes)', () => {
  it('applies a change locally at once, and resolves publish only when the primary says every worker has', async () => {
    const channel = new FakeChannel();
    const bus = new ClusterAuthChangeBus(channel);
    const applied: AuthChange[] = [];
    bus.subscribe((c) => applied.push(c));
    const published = bus.publish(REVOKE);
    expect(applied).toEqual([REVOKE]);
    expect(channel.sent).toEqual([{ type: CHANGE, id: 1, change: REVOKE }]);
    expect(await settled(published)).toBe(false);
    channel.fromPrimary({ type: APPLIED, id: 1 });
    expect(await settled(published)).toBe(true);
  });

  it('applies a change relayed by the primary and acknowledges it under the relay id', () => {
    const channel = new FakeChannel();
    const bus = new ClusterAuthChangeBus(channel);
    const applied: AuthChange[] = [];
    bus.subscribe((c) => applied.push(c));
    channel.fromPrimary({ type: CHANGE, id: 99, change: REVOKE });
    expect(applied).toEqual([REVOKE]);
    expect(channel.sent).toEqual([{ type: APPLIED, id: 99 }]);
  });

  it('ignores messages that are not the cluster protocol', () => {
    const channel = new FakeChannel();
    const bus = new ClusterAuthChangeBus(channel);
    const applied: AuthChange[] = [];
    bus.subscribe((c) => applied.push(c));
    channel.fromPrimary('hello');
    channel.fromPrimary({ type: 'other', id: 1 });
    expect([applied, channel.sent]).toEqual([[], []]);
  });

  it('resolves publish at once when the channel is closed, and every pending publish when the primary goes', async () => {
    const channel = new FakeChannel();
    const bus = new ClusterAuthChangeBus(channel);
    const pending = bus.publish(REVOKE);
    channel.closed = true;
    expect(await settled(bus.publish(REVOKE))).toBe(true);
    expect(await settled(pending)).toBe(false);
    channel.emit('disconnect');
    expect(await settled(pending)).toBe(true);
  });
});
