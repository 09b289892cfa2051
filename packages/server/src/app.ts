import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import { RequestLog } from './fast-path/index.js';
import type { Gatehouse } from './gatehouse.js';
import type { App } from './http/context.js';
import { abuseLimits } from './plugins/abuse-limits.js';
import { apiScope } from './plugins/api.js';
import { appContext, fastifyOptions } from './plugins/context.js';
import { jsonBody } from './plugins/json-body.js';
import { openApi } from './plugins/openapi.js';
import { overloadCheck } from './plugins/overload.js';
import { usageFlusher } from './plugins/usage-flusher.js';
import { webScope } from './plugins/web.js';

export interface AppOptions {
  /** Where the built web UI is; defaults to packages/web/dist. */
  webRoot?: string;
}

/**
 * The Gatehouse HTTP app for what `createGatehouse` built, without listening (tests use
 * `inject`): one plugin per job, in the order they apply. Closing the app stops its background
 * jobs with a last write; the Gatehouse (its store) stays open for its owner to close.
 */
export async function buildApp(gatehouse: Gatehouse, opts: AppOptions = {}): Promise<App> {
  const app = Fastify(fastifyOptions(gatehouse)).withTypeProvider<TypeBoxTypeProvider>();
  const requestLog = new RequestLog(gatehouse.metrics);
  const { config } = gatehouse;

  // Each plugin's file says what it does; they apply in this order.
  await app.register(appContext, { gatehouse, requestLog }); // app.gatehouse, validation, the error handler, route defaults
  await app.register(jsonBody); // request bodies: JSON only
  await app.register(overloadCheck, { config }); // app.isOverloaded(): event loop lag, heap
  await app.register(openApi); // the OpenAPI document of the routes below
  await app.register(abuseLimits, { gatehouse }); // rate limits of logins, setup, token issuance
  await app.register(apiScope, { gatehouse, requestLog }); // the JSON API, behind the fast path's hook
  await app.register(webScope, { gatehouse, requestLog, webRoot: opts.webRoot }); // pages, then the not-found handler
  await app.register(usageFlusher, { gatehouse }); // last_used written behind while the app runs
  return app;
}
