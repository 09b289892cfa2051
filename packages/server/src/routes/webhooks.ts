import {
  createWebhook, deleteWebhook, getWebhook, listDeliveries, listWebhooks, redeliver, testWebhook, updateWebhook,
  type WebhookDelivery, type WebhookEndpoint,
} from '@gatehouse/core';
import { Type } from 'typebox';
import { actorOf, type App, type AppContext } from '../http/context.js';
import { errorResponses, Id, IdParams, iso, Nullable, PageOf, PageQuery, pageWindow } from '../http/wire.js';

const WebhookSchema = Type.Object({
  id: Type.Integer(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  description: Nullable(Type.String()),
  active: Type.Boolean(),
  created: Type.String({ format: 'date-time' }),
});

const CreatedWebhookSchema = Type.Object({
  ...WebhookSchema.properties,
  secret: Type.String({ description: 'whsec_… signing secret (Standard Webhooks): shown once' }),
});

const DeliverySchema = Type.Object({
  id: Type.Integer(),
  event: Type.String(),
  message_id: Type.String({ description: 'the webhook-id header: the same for a redelivery of the same event' }),
  status: Type.Enum(['pending', 'delivered', 'failed']),
  attempts: Type.Integer(),
  last_status_code: Nullable(Type.Integer()),
  last_error: Nullable(Type.String()),
  next_attempt_at: Nullable(Type.String({ format: 'date-time' })),
  created: Type.String({ format: 'date-time' }),
});

const Events = Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 32, description: 'event types, or ["*"] for all' });
const Url = Type.String({ minLength: 1, maxLength: 2000, description: 'http(s) URL; private and loopback addresses are refused unless GATEHOUSE_WEBHOOK_ALLOW_PRIVATE=true' });
const Description = Type.Optional(Nullable(Type.String({ maxLength: 1000 })));

const webhookToWire = (e: WebhookEndpoint) => ({ id: e.id, url: e.url, events: e.events, description: e.description, active: e.active, created: iso(e.created) });
const deliveryToWire = (d: WebhookDelivery) => ({
  id: d.id,
  event: d.eventType,
  message_id: d.messageId,
  status: d.status,
  attempts: d.attempts,
  last_status_code: d.lastStatusCode,
  last_error: d.lastError,
  next_attempt_at: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
  created: iso(d.created),
});

/** SPEC §9 webhooks (Admin). Deliveries are sent by the lifecycle jobs (lifecycle-jobs.ts). */
export async function webhooksRoutes(app: App, ctx: AppContext): Promise<void> {
  const { deps } = ctx;
  const tags = ['webhooks'];

  app.get('/api/webhooks', {
    config: { scope: 'tokens:read' },
    schema: { operationId: 'listWebhooks', tags, summary: 'Webhook endpoints — Admin', response: { 200: Type.Array(WebhookSchema), ...errorResponses(401, 403) } },
  }, async (request) => (await listWebhooks(deps, actorOf(request))).map(webhookToWire));

  app.post('/api/webhooks', {
    config: { scope: 'tokens:write' },
    schema: {
      operationId: 'createWebhook', tags, summary: 'Add a webhook endpoint — Admin (the signing secret is shown once)',
      body: Type.Object({ url: Url, events: Events, description: Description }, { additionalProperties: false }),
      response: { 200: CreatedWebhookSchema, ...errorResponses(401, 403, 422) },
    },
  }, async (request) => {
    const b = request.body;
    const { endpoint, secret } = await createWebhook(deps, actorOf(request), { url: b.url, events: b.events, ...(b.description !== undefined ? { description: b.description } : {}) });
    ctx.lifecycle.endpointsChanged();
    return { ...webhookToWire(endpoint), secret };
  });

  app.get('/api/webhooks/:id', {
    config: { scope: 'tokens:read' },
    schema: { operationId: 'getWebhook', tags, summary: 'One webhook endpoint — Admin', params: IdParams, response: { 200: WebhookSchema, ...errorResponses(401, 403, 404) } },
  }, async (request) => webhookToWire(await getWebhook(deps, actorOf(request), request.params.id)));

  app.put('/api/webhooks/:id', {
    config: { scope: 'tokens:write' },
    schema: {
      operationId: 'updateWebhook', tags, summary: 'Change a webhook endpoint (url, events, description, active) — Admin',
      params: IdParams,
      body: Type.Object({ url: Type.Optional(Url), events: Type.Optional(Events), description: Description, active: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      response: { 200: WebhookSchema, ...errorResponses(401, 403, 404, 422) },
    },
  }, async (request) => {
    const b = request.body;
    const endpoint = await updateWebhook(deps, actorOf(request), request.params.id, {
      ...(b.url !== undefined ? { url: b.url } : {}),
      ...(b.events !== undefined ? { events: b.events } : {}),
      ...(b.description !== undefined ? { description: b.description } : {}),
      ...(b.active !== undefined ? { active: b.active } : {}),
    });
    ctx.lifecycle.endpointsChanged();
    return webhookToWire(endpoint);
  });

  app.delete('/api/webhooks/:id', {
    config: { scope: 'tokens:write' },
    schema: { operationId: 'deleteWebhook', tags, summary: 'Delete a webhook endpoint and its deliveries — Admin', params: IdParams, response: { 204: Type.Null(), ...errorResponses(401, 403, 404) } },
  }, async (request, reply) => {
    await deleteWebhook(deps, actorOf(request), request.params.id);
    return reply.code(204).send(null);
  });

  app.post('/api/webhooks/:id/test', {
    config: { scope: 'tokens:write' },
    schema: { operationId: 'testWebhook', tags, summary: 'Send a webhook.test event to this endpoint — Admin', params: IdParams, response: { 200: DeliverySchema, ...errorResponses(401, 403, 404) } },
  }, async (request) => {
    const delivery = await testWebhook(deps, actorOf(request), request.params.id);
    ctx.lifecycle.endpointsChanged();
    ctx.lifecycle.kick();
    return deliveryToWire(delivery);
  });

  app.get('/api/webhooks/:id/deliveries', {
    config: { scope: 'tokens:read' },
    schema: {
      operationId: 'listWebhookDeliveries', tags, summary: 'Deliveries to this endpoint, newest first — Admin',
      params: IdParams, querystring: Type.Object(PageQuery),
      response: { 200: PageOf(DeliverySchema), ...errorResponses(401, 403, 404, 422) },
    },
  }, async (request) => {
    const w = pageWindow(request.query);
    const page = await listDeliveries(deps, actorOf(request), request.params.id, { offset: w.offset, limit: w.limit });
    return { items: page.items.map(deliveryToWire), total: page.total, page: w.page, size: w.size };
  });

  app.post('/api/webhooks/:id/deliveries/:delivery_id/redeliver', {
    config: { scope: 'tokens:write' },
    schema: {
      operationId: 'redeliverWebhook', tags, summary: 'Send a delivery again (same webhook-id and body) — Admin',
      params: Type.Object({ id: Id(), delivery_id: Id() }),
      response: { 200: DeliverySchema, ...errorResponses(401, 403, 404) },
    },
  }, async (request) => {
    const delivery = await redeliver(deps, actorOf(request), request.params.id, request.params.delivery_id);
    ctx.lifecycle.endpointsChanged();
    ctx.lifecycle.kick();
    return deliveryToWire(delivery);
  });
}
