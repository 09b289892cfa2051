import { randomBytes } from 'node:crypto';

/**
 * Request ids: a random per-process prefix and a counter. Unique across processes and restarts
 * like a UUID, at a fraction of randomUUID's cost on every request.
 */
export function requestIdGenerator(): () => string {
  const prefix = randomBytes(6).toString('hex');
  let n = 0;
  return () => `${prefix}-${(++n).toString(36)}`;
}
