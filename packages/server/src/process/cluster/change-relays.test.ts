import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChangeRelays, RELAY_TIMEOUT_MS, type RelayWorker } from './change-relays.js';
import { APPLIED, CHANGE, type ClusterMessage } from './messages.js';

/** A worker as the primary sees it: what it was sent, and whether its channel is open. */
class FakeWorker implements RelayWorker {
  readonly sent: ClusterMessage[] = [];
  connected = true;
  constructor(readonly process: { pid: number }) {}
  isConnected(): boolean {
    return this.connected;
  }
  send(message: ClusterMessage): void {
    this.sent.push(message);
  }
}

const REVOKE = { kind: 'token', tokenId: 7 } as const;

/** A host of `n` workers, all listening unless told otherwise, with the relays between them. */
function host(n: number, { listening = n } = {}) {
  const workers = Array.from({ length: n }, (_, i) => new FakeWorker({ pid: 1000 + i }));
  const warnings: string[] = [];
  const relays = new ChangeRelays<FakeWorker>({ workers: () => workers, warn: (msg) => warnings.push(msg) });
  workers.slice(0, listening).forEach((w) => relays.onListening(w));
  /** `from` publishes a change under its own id `id`. */
  const publish = (from: FakeWorker, id = 1) => relays.onMessage(from, { type: CHANGE, id, change: REVOKE });
  /** The id under which the primary relayed the last change to `to`. */
  const relayedTo = (to: FakeWorker) => (to.sent.findLast((m) => m.type === CHANGE) as { id: number }).id;
  const acknowledge = (by: FakeWorker) => relays.onMessage(by, { type: APPLIED, id: relayedTo(by) });
  /** Whether the publisher was told that every worker applied its change `id`. */
  const answered = (publisher: FakeWorker, id = 1) => publisher.sent.some((m) => m.type === APPLIED && m.id === id);
  return { workers, relays, warnings, publish, relayedTo, acknowledge, answered };
}

describe('ChangeRelays (the cluster primary relaying auth changes)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('relays a change to every other worker and answers the publisher once all of them applied it', () => {
    const { workers: [a, b, c], publish, acknowledge, answered, relays } = host(3);
    publish(a!);
    expect(a!.sent).toEqual([]);
    expect(b!.sent).toEqual([{ type: CHANGE, id: expect.any(Number), change: REVOKE }]);
    expect(c!.sent).toEqual([{ type: CHANGE, id: expect.any(Number), change: REVOKE }]);
    acknowledge(b!);
    expect(answered(a!)).toBe(false);
    acknowledge(c!);
    expect(a!.sent).toEqual([{ type: APPLIED, id: 1 }]);
    expect(relays.pending).toBe(0);
  });

  it('answers under the id the publisher gave, for each of its changes in flight', () => {
    const { workers: [a, b], relays, answered } = host(2);
    relays.onMessage(a!, { type: CHANGE, id: 41, change: REVOKE });
    relays.onMessage(a!, { type: CHANGE, id: 42, change: { kind: 'user', userId: 3 } });
    const [first, second] = b!.sent as Array<{ id: number }>;
    relays.onMessage(b!, { type: APPLIED, id: second!.id });
    expect([answered(a!, 41), answered(a!, 42)]).toEqual([false, true]);
    relays.onMessage(b!, { type: APPLIED, id: first!.id });
    expect([answered(a!, 41), answered(a!, 42)]).toEqual([true, true]);
  });

  it('answers at once when no other worker serves; a worker still starting is sent the change but not waited for', () => {
    const { workers: [a, starting], publish, answered } = host(2, { listening: 1 });
    publish(a!);
    expect(starting!.sent).toEqual([{ type: CHANGE, id: expect.any(Number), change: REVOKE }]);
    expect(answered(a!)).toBe(true);
  });

  it('sends nothing to a worker whose channel is closed, and does not wait for it', () => {
    const { workers: [a, b], publish, answered } = host(2);
    b!.connected = false;
    publish(a!);
    expect(b!.sent).toEqual([]);
    expect(answered(a!)).toBe(true);
  });

  it('waits at most the relay timeout for a worker that does not acknowledge, then answers with a warning naming it', () => {
    const { workers: [a, b, c], publish, acknowledge, answered, warnings } = host(3);
    publish(a!);
    acknowledge(b!);
    vi.advanceTimersByTime(RELAY_TIMEOUT_MS - 1);
    expect(answered(a!)).toBe(false);
    expect(warnings).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(answered(a!)).toBe(true);
    expect(warnings).toEqual([`workers ${c!.process.pid} did not acknowledge an auth change within ${RELAY_TIMEOUT_MS} ms`]);
  });

  it('ignores an acknowledgement that comes after the timeout (the publisher is answered once)', () => {
    const { workers: [a, b], publish, acknowledge } = host(2);
    publish(a!);
    vi.advanceTimersByTime(RELAY_TIMEOUT_MS);
    acknowledge(b!);
    expect(a!.sent.filter((m) => m.type === APPLIED)).toHaveLength(1);
  });

  it('does not wait for a worker that exits (its cache goes with it), and warns of nothing', () => {
    const { workers: [a, b, c], publish, acknowledge, answered, relays, warnings } = host(3);
    publish(a!);
    acknowledge(b!);
    relays.onExit(c!);
    expect(answered(a!)).toBe(true);
    vi.advanceTimersByTime(RELAY_TIMEOUT_MS * 2);
    expect(warnings).toEqual([]);
    expect(a!.sent.filter((m) => m.type === APPLIED)).toHaveLength(1);
  });

  it('drops the relays of a publisher that exits, answering nobody, and stops their timers', () => {
    const { workers: [a, b], publish, relays, warnings } = host(2);
    publish(a!);
    a!.connected = false;
    relays.onExit(a!);
    expect(relays.pending).toBe(0);
    vi.advanceTimersByTime(RELAY_TIMEOUT_MS);
    expect(a!.sent).toEqual([]);
    expect(warnings).toEqual([]);
    expect(b!.sent).toHaveLength(1);
  });

  it('a worker that exited is no longer waited for on later changes, though still listed', () => {
    const { workers: [a, b], publish, relays, answered } = host(2);
    relays.onExit(b!);
    publish(a!);
    expect(b!.sent).toHaveLength(1);
    expect(answered(a!)).toBe(true);
  });
});
