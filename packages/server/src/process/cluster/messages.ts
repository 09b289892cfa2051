import type { AuthChange } from '@gatehouse/core';

/*
 * What a cluster's primary and its workers say to each other about authentication changes,
 * over node:cluster's IPC channel.
 */

/** A change: published by a worker (its own id), relayed by the primary (the relay's id). */
export const CHANGE = 'gatehouse:auth-change';
/** Applied: a worker acknowledging a relay, or the primary telling the publisher all have. */
export const APPLIED = 'gatehouse:auth-change-applied';

export type ClusterMessage = { type: typeof CHANGE; id: number; change: AuthChange } | { type: typeof APPLIED; id: number };

export const isClusterMessage = (m: unknown): m is ClusterMessage =>
  typeof m === 'object' && m !== null && ((m as ClusterMessage).type === CHANGE || (m as ClusterMessage).type === APPLIED);
