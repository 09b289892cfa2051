import fp from 'fastify-plugin';
import { sendError } from '../http/errors.js';
import { SCIM_JSON, scimErrorBody } from '../scim/errors.js';
import { SCIM_PREFIX } from '../scim/routes.js';
import type { RouteRecorder } from '../metrics.js';

/**
 * What answers a path no route has: for a browser's GET outside the API, the UI's page (a path
 * of the single-page UI's router, measured as route "ui"); else 404 in the API's error format.
 * Registered inside the pages' scope, so that the UI's page gets helmet's headers.
 */
export const notFound = fp<{ hasUi: boolean; uiPages: RouteRecorder }>(
  async (web, { hasUi, uiPages }) => {
    web.setNotFoundHandler((request, reply) => {
      const path = request.url.split('?')[0] ?? '';
      // SPEC §4: a SCIM client with a misconfigured base URL (`/scim/v2/Users`) gets a SCIM
      // 404 in JSON that says where SCIM is, never the web app's page.
      if (path === '/scim' || path.startsWith('/scim/')) {
        return reply.code(404).type(SCIM_JSON).send(scimErrorBody(404, `No SCIM endpoint at ${path}: the SCIM base URL is <server>${SCIM_PREFIX}`));
      }
      const isApi = path.startsWith('/api/') || path === '/api' || path === '/metrics';
      if (!isApi && hasUi && request.method === 'GET') {
        request.recordRequest = uiPages;
        return reply.type('text/html').sendFile('index.html');
      }
      return sendError(reply, 404, 'NOT_FOUND', `No route for ${request.method} ${path}`);
    });
  },
  { name: 'gatehouse-not-found' },
);
