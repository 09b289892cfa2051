import { describe, expect, it } from 'vitest';
import { MAX_USER_AGENT, UsageBuffer } from './usage-buffer.js';

const DAY = 86_400_000;

describe('UsageBuffer', () => {
  it('counts requests per client (ip + user agent) and per UTC day, keeping last_used', () => {
    const b = new UsageBuffer();
    b.record(1, DAY - 20, '10.0.0.5', 'python-requests/2.32');
    b.record(1, DAY - 10, '10.0.0.9', 'qualytics-cli/1.0.4');
    b.record(1, DAY - 5, '10.0.0.5', 'python-requests/2.32');
    b.record(1, DAY + 5, '10.0.0.5', 'python-requests/2.32');
    b.record(1, DAY + 6, null, null);
    b.record(2, 7, '10.0.0.5', 'other');
    expect(b.drain()).toEqual([
      {
        tokenId: 1, atMs: DAY + 6, ip: '10.0.0.5',
        clients: [
          { ip: '10.0.0.9', userAgent: 'qualytics-cli/1.0.4', day: 0, firstMs: DAY - 10, lastMs: DAY - 10, requests: 1 },
          { ip: '10.0.0.5', userAgent: 'python-requests/2.32', day: 0, firstMs: DAY - 20, lastMs: DAY - 5, requests: 2 },
          { ip: '10.0.0.5', userAgent: 'python-requests/2.32', day: 1, firstMs: DAY + 5, lastMs: DAY + 5, requests: 1 },
          { ip: null, userAgent: null, day: 1, firstMs: DAY + 6, lastMs: DAY + 6, requests: 1 },
        ],
      },
      { tokenId: 2, atMs: 7, ip: '10.0.0.5', clients: [{ ip: '10.0.0.5', userAgent: 'other', day: 0, firstMs: 7, lastMs: 7, requests: 1 }] },
    ]);
    expect(b.drain()).toEqual([]);
  });

  it('cuts long user agents, and counts nothing but last_used when counting is off', () => {
    const b = new UsageBuffer();
    b.record(1, 1, '10.0.0.1', 'x'.repeat(1000));
    expect(b.drain()[0]?.clients[0]?.userAgent).toBe('x'.repeat(MAX_USER_AGENT));
    const off = new UsageBuffer(false);
    off.record(1, 1, '10.0.0.1', 'agent');
    off.record(1, 2, null, 'agent');
    expect(off.drain()).toEqual([{ tokenId: 1, atMs: 2, ip: '10.0.0.1', clients: [] }]);
  });
});
