import { randomBytes } from 'node:crypto';
import type { Actor } from '../auth/principal.js';
import { commitChange } from '../change.js';
import type { Deps } from '../deps.js';
import { invalidInput, notFound } from '../errors.js';
import type { Page, PageRequest } from '../model.js';
import { requirePermission } from '../policies.js';
import { WEBHOOK_EVENT_TYPES, type WebhookDelivery, type WebhookEndpoint } from './model.js';
import { outboxEntry } from './outbox.js';

/*
 * Webhook endpoints (SPEC §9, Admin). Events reach them through the outbox: a change emits its
 * events in its own transaction (Change.emit), one delivery per subscribed endpoint, and the
 * delivery job sends them, signed as the Standard Webhooks specification says.
 */

export interface WebhookInput {
  url: string;
  events: string[];
  description?: string | null;
}

export interface WebhookUpdate {
  url?: string;
  events?: string[];
  description?: string | null;
  active?: boolean;
}

/**
 * Checks a destination before it is saved; answers why it is refused, or null. The server's
 * guard refuses private, loopback and link-local destinations (unless allowed) — and checks
 * again, with a fresh DNS answer, at each delivery.
 */
export type WebhookUrlGuard = (url: URL) => Promise<string | null>;

export interface CreatedWebhook {
  endpoint: WebhookEndpoint;
  /** `whsec_` + base64 of 32 random bytes: the Standard Webhooks secret format. Shown once. */
  secret: string;
}

const EVENT_SET = new Set<string>(WEBHOOK_EVENT_TYPES);

function checkEvents(events: string[]): string[] {
  if (events.length === 0) throw invalidInput('events', 'give at least one event type, or ["*"] for all');
  for (const [i, e] of events.entries()) {
    if (e !== '*' && !EVENT_SET.has(e)) throw invalidInput(`events[${i}]`, `unknown event type "${e}" (one of ${WEBHOOK_EVENT_TYPES.join(', ')}, or *)`);
  }
  return events.includes('*') ? ['*'] : [...new Set(events)];
}

async function checkUrl(deps: Deps, raw: string): Promise<string> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidInput('url', 'must be an absolute http:// or https:// URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidInput('url', 'must be an absolute http:// or https:// URL');
  if (url.username || url.password) throw invalidInput('url', 'must not contain credentials');
  const refused = deps.webhookUrlGuard ? await deps.webhookUrlGuard(url) : null;
  if (refused) throw invalidInput('url', refused);
  return url.toString();
}

const target = (e: { id: number }) => ({ targetType: 'webhook', targetId: String(e.id) });

export async function listWebhooks(deps: Deps, actor: Actor): Promise<WebhookEndpoint[]> {
  requirePermission(actor, 'manageUsers', 'manage webhooks');
  return deps.store.webhooks.list();
}

export async function getWebhook(deps: Deps, actor: Actor, id: number): Promise<WebhookEndpoint> {
  requirePermission(actor, 'manageUsers', 'manage webhooks');
  const endpoint = await deps.store.webhooks.findById(id);
  if (!endpoint) throw notFound('Webhook');
  return endpoint;
}

export async function createWebhook(deps: Deps, actor: Actor, input: WebhookInput): Promise<CreatedWebhook> {
  requirePermission(actor, 'manageUsers', 'manage webhooks');
  const events = checkEvents(input.events);
  const url = await checkUrl(deps, input.url);
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  return commitChange(deps, actor, async ({ tx, audit }) => {
    const endpoint = await tx.webhooks.create({
      url, events, description: input.description ?? null, secret, created: deps.clock.now(), createdById: actor.principal.user.id,
    });
    audit({ action: 'webhook.created', ...target(endpoint), details: { url, events } });
    return { endpoint, secret };
  });
}

export async function updateWebhook(deps: Deps, actor: Actor, id: number, input: WebhookUpdate): Promise<WebhookEndpoint> {
  requirePermission(actor, 'manageUsers', 'manage webhooks');
  const events = input.events !== undefined ? checkEvents(input.events) : undefined;
  const url = input.url !== undefined ? await checkUrl(deps, input.url) : undefined;
  return commitChange(deps, actor, async ({ tx, audit }) => {
    const endpoint = await tx.webhooks.update(id, {
      ...(url !== undefined ? { url } : {}),
      ...(events !== undefined ? { events } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.active !== undefined ? { active: input.active } : {}),
    });
    audit({ action: 'webhook.updated', ...target(endpoint), details: { url: endpoint.url, events: endpoint.events, active: endpoint.active } });
    return endpoint;
  });
}

export async function deleteWebhook(deps: Deps, actor: Actor, id: number): Promise<void> {
  requirePermission(actor, 'manageUsers', 'manage webhooks');
  await commitChange(deps, actor, async ({ tx, audit }) => {
    await tx.webhooks.delete(id);
    audit({ action: 'webhook.deleted', targetType: 'webhook', targetId: String(id) });
  });
}

/** Queues a `webhook.test` event to this endpoint alone (whatever it subscribed to). */
export async function testWebhook(deps: Deps, actor: Actor, id: number): Promise<WebhookDelivery> {
  requirePermission(actor, 'manageUsers', 'manage webhooks');
  return commitChange(deps, actor, async ({ tx, audit }) => {
    const endpoint = await tx.webhooks.findById(id);
    if (!endpoint) throw notFound('Webhook');
    const now = deps.clock.now();
    const delivery = await tx.webhooks.enqueueTo(id, outboxEntry({ type: 'webhook.test', data: { webhook_id: id, url: endpoint.url } }, now), now);
    audit({ action: 'webhook.tested', ...target(endpoint), details: { delivery_id: delivery.id } });
    return delivery;
  });
}

export async function listDeliveries(deps: Deps, actor: Actor, id: number, page: PageRequest): Promise<Page<WebhookDelivery>> {
  await getWebhook(deps, actor, id);
  return deps.store.webhooks.listDeliveries(id, page);
}

/**
 * Sends a delivery again: a new delivery of the same message (same `webhook-id` and body, so
 * a receiver that already processed it can tell), due now.
 */
export async function redeliver(deps: Deps, actor: Actor, id: number, deliveryId: number): Promise<WebhookDelivery> {
  requirePermission(actor, 'manageUsers', 'manage webhooks');
  return commitChange(deps, actor, async ({ tx, audit }) => {
    const original = await tx.webhooks.findDelivery(id, deliveryId);
    if (!original) throw notFound('Delivery');
    const now = deps.clock.now();
    const delivery = await tx.webhooks.enqueueTo(id, { messageId: original.messageId, type: original.eventType as never, payload: original.payload }, now);
    audit({ action: 'webhook.redelivered', targetType: 'webhook', targetId: String(id), details: { delivery_id: deliveryId, new_delivery_id: delivery.id } });
    return delivery;
  });
}
