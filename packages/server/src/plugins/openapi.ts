import fastifySwagger from '@fastify/swagger';
import fp from 'fastify-plugin';
import {
  documentRoute, errorResponseComponents, errorSchemaComponents, linkErrorResponses, SECURITY_SCHEMES,
} from '../http/openapi.js';

/** The tags of the document, one per resource, in the order the docs show them. */
const TAGS = [
  { name: 'auth', description: 'Logging in and out, browser sessions, the first Admin, and the browser login of the Qualytics CLI' },
  { name: 'users', description: 'People and service accounts' },
  { name: 'tokens', description: 'Personal and Service tokens: generate, list, revoke, restore, rotate, delete; token introspection' },
  { name: 'teams', description: 'Teams, which grant access to their datastores' },
  { name: 'datastores', description: 'Datastores, visible to the members of their teams' },
  { name: 'connections', description: 'Where datastores connect (type, host, port); no credentials are stored' },
  { name: 'audit', description: 'The audit log of every change and refusal' },
  { name: 'scim', description: 'SCIM 2.0 provisioning (RFC 7643, RFC 7644) for identity providers, with a SCIM administration token' },
  { name: 'health', description: 'Liveness and readiness probes' },
  { name: 'policy', description: 'The token lifecycle policy: lifetimes, idle revocation, expiry reminders' },
  { name: 'webhooks', description: 'Signed webhooks (Standard Webhooks) for token and user events, their deliveries and redelivery' },
];

/**
 * The OpenAPI document of every route (`/api/openapi.json`; browsable at `/api/docs`, a page),
 * generated from the schemas that validate requests. http/openapi.ts adds what every operation
 * shares (security, the errors that follow from authentication, input and overload); the
 * `servers` are the request's (routes/health.ts).
 */
export const openApi = fp(
  async (app) => {
    await app.register(fastifySwagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Gatehouse API',
          version: '0.1.0',
          description: 'Service accounts and API tokens. Authenticate with `Authorization: Bearer <token>` (or, in a browser, the session cookie of POST /api/auth/login). '
            + 'Errors are `{detail, code, request_id}` (plus `field` for an invalid or conflicting field).',
          // No licence is granted (the repository has no LICENSE file): all rights reserved. FIXME(license): the project's choice.
          license: { name: 'Proprietary: all rights reserved', identifier: 'LicenseRef-Proprietary' },
        },
        tags: TAGS,
        components: {
          securitySchemes: SECURITY_SCHEMES,
          schemas: errorSchemaComponents(),
          responses: errorResponseComponents(),
        },
        security: [{ bearer: [] }, { session: [] }],
      },
      transform: documentRoute,
      // The OpenAPI 3 document (the type also admits Swagger 2's, which this app never generates).
      transformObject: (documents) => linkErrorResponses((documents as { openapiObject: Parameters<typeof linkErrorResponses>[0] }).openapiObject),
    });
  },
  { name: 'gatehouse-openapi' },
);
