import { randomUUID } from 'node:crypto';
import type { OutboxEntry, WebhookEvent } from './model.js';

/**
 * The outbox entry of an event emitted at `at`: the body is the Standard Webhooks payload
 * `{type, timestamp, data}`, fixed now so that every attempt (and redelivery) sends the same
 * bytes under the same message id.
 */
export function outboxEntry(event: WebhookEvent, at: Date): OutboxEntry {
  return {
    messageId: `msg_${randomUUID().replace(/-/g, '')}`,
    type: event.type,
    payload: JSON.stringify({ type: event.type, timestamp: at.toISOString(), data: event.data }),
  };
}

/** Whether an endpoint subscribed to `events` receives an event of this type. */
export function isEndpointSubscribed(events: readonly string[], type: string): boolean {
  return events.includes('*') || events.includes(type);
}
