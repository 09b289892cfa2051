import type { TokenType } from '../model.js';

/** SPEC §9: the Admin's token lifecycle policy; `null` = no limit. */
export interface LifecyclePolicy {
  /** Longest lifetime a new token of each type may get, in days; null also allows "Never". */
  maxExpiryDays: Record<TokenType, number | null>;
  /** Days without use after which a token of each type is revoked (reason `idle`). */
  idleRevokeDays: Record<TokenType, number | null>;
  /** Days before expiry at which owners are reminded (e.g. 30, 7, 1), descending. */
  expiryReminderDays: number[];
}

export const DEFAULT_POLICY: LifecyclePolicy = Object.freeze({
  maxExpiryDays: Object.freeze({ Personal: null, Service: null }),
  idleRevokeDays: Object.freeze({ Personal: null, Service: null }),
  expiryReminderDays: Object.freeze([30, 7, 1]) as number[],
}) as LifecyclePolicy;

/** The events a webhook endpoint may subscribe to (SPEC §9); `*` subscribes to all. */
export const WEBHOOK_EVENT_TYPES = [
  'token.created', 'token.revoked', 'token.restored', 'token.rotated', 'token.deleted', 'token.expiring', 'token.expired',
  'token.idle_warning', 'token.idle_revoked', 'token.new_ip', 'token.leaked', 'user.deactivated', 'webhook.test',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** An event as a change emits it; the outbox stores it as the body it will be sent as. */
export interface WebhookEvent {
  type: WebhookEventType;
  data: Record<string, unknown>;
}

/** An event ready for the outbox: its Standard Webhooks message id and its JSON body `{type, timestamp, data}`. */
export interface OutboxEntry {
  messageId: string;
  type: WebhookEventType;
  payload: string;
}

export interface WebhookEndpoint {
  id: number;
  url: string;
  description: string | null;
  /** Event types, or `["*"]`. */
  events: string[];
  active: boolean;
  created: Date;
  createdById: number | null;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDelivery {
  id: number;
  endpointId: number;
  messageId: string;
  eventType: string;
  /** The JSON body, exactly as signed and sent. */
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: Date;
  created: Date;
}

/** A delivery claimed by one delivery run, with what it needs to be sent. */
export interface ClaimedDelivery extends WebhookDelivery {
  url: string;
  secret: string;
  /** The claim's end: the outcome is recorded only while this claim still holds. */
  claimedUntil: Date;
}

/** What one attempt came to. */
export interface DeliveryOutcome {
  status: DeliveryStatus;
  statusCode: number | null;
  error: string | null;
  nextAttemptAt: Date;
}
