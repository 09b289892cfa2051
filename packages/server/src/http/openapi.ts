import type { SwaggerTransform } from '@fastify/swagger';
import type { FastifyRequest } from 'fastify';
import type { AppContext, AuthMode } from './context.js';
import { SESSION_COOKIE } from './session-cookie.js';
import { ErrorSchema } from './wire.js';

/*
 * The OpenAPI document's shared parts (plugins/openapi.ts registers them): what every
 * operation can answer besides what its route declares, the error responses those statuses
 * point to, the security schemes, and the `servers` of a request. Routes declare their
 * operationId, summary, tags and their own refusals (403 for a role, 404 for an id, 409);
 * the statuses that follow from how a route is reached — authentication, input validation,
 * overload — are added here from the route's options, so that a new route documents them
 * without listing them.
 */

/** An OpenAPI Response Object. */
type ResponseDoc = { description: string; headers?: Record<string, object>; content: Record<string, { schema: object }> };

const RETRY_AFTER = { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } } };
const WWW_AUTHENTICATE = {
  'WWW-Authenticate': {
    description: 'RFC 6750 §3 challenge: `Bearer realm="gatehouse"`, with `error="invalid_token"` (and `error_description`) when a token was given',
    schema: { type: 'string', examples: ['Bearer realm="gatehouse", error="invalid_token", error_description="The token has expired"'] },
  },
};

/** The statuses answered with an error body, each a shared response (`#/components/responses/<name>`). */
const ERRORS: Record<number, { name: string; description: string; scimDescription?: string; headers?: Record<string, object> }> = {
  400: {
    name: 'BadRequest',
    description: 'The request is malformed, e.g. an Authorization header that is not `Bearer <token>`',
    scimDescription: 'Invalid input (`scimType` invalidValue, invalidFilter, invalidSyntax, mutability…) or a malformed Authorization header',
  },
  401: { name: 'Unauthorized', description: 'No valid credential: the token is missing, invalid, expired or revoked, its user deactivated, or there is no session', headers: WWW_AUTHENTICATE },
  403: { name: 'Forbidden', description: "The caller's role or token may not do this (a SCIM token outside SCIM, a cross-origin request with a session cookie, a role below the one required)" },
  404: { name: 'NotFound', description: 'No such resource, or one the caller may not see' },
  409: { name: 'Conflict', description: 'The change conflicts with the current state, e.g. a name already taken or an active token to delete' },
  413: { name: 'PayloadTooLarge', description: 'The request body is over the limit (64 KiB on most routes, 16 KiB for a form, 1 MiB for a leak report)' },
  415: {
    name: 'UnsupportedMediaType',
    description: 'The body is not in a media type the route reads: send JSON with `Content-Type: application/json`',
    scimDescription: 'The body is not in a media type SCIM reads: send `application/scim+json` or `application/json`',
  },
  422: { name: 'UnprocessableEntity', description: 'A field is invalid: `field` names it and `detail` says why' },
  429: { name: 'TooManyRequests', description: 'Too many requests (logins, tokens created, or refused tokens from this address)', headers: RETRY_AFTER },
  503: { name: 'ServiceUnavailable', description: 'The server is overloaded or its database unreachable; retry after the given time', headers: RETRY_AFTER },
};

/** SCIM's error body (RFC 7644 §3.12). */
export const ScimErrorSchema = {
  type: 'object',
  required: ['schemas', 'status', 'detail'],
  properties: {
    schemas: { type: 'array', items: { type: 'string', const: 'urn:ietf:params:scim:api:messages:2.0:Error' } },
    status: { type: 'string', description: 'The HTTP status, as a string' },
    scimType: { type: 'string', description: 'RFC 7644 §3.12 error type, e.g. uniqueness, invalidFilter, invalidValue' },
    detail: { type: 'string' },
  },
} as const;

const SCIM_JSON = 'application/scim+json';

/** The shared responses: the API's (`Unauthorized`…) and SCIM's (`ScimUnauthorized`…). */
export function errorResponseComponents(): Record<string, ResponseDoc> {
  const components: Record<string, ResponseDoc> = {};
  for (const e of Object.values(ERRORS)) {
    const headers = e.headers ? { headers: e.headers } : {};
    components[e.name] = { description: e.description, ...headers, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    components[`Scim${e.name}`] = { description: e.scimDescription ?? e.description, ...headers, content: { [SCIM_JSON]: { schema: { $ref: '#/components/schemas/ScimError' } } } };
  }
  return components;
}

/** The error body's schema (plain JSON Schema, for components.schemas). */
export const errorSchemaComponents = (): Record<string, object> => ({
  Error: { ...ErrorSchema, description: 'Every API error: `detail` for people, a stable `code`, the `request_id` of the log lines, and `field` for an invalid field (422) or a conflicting one (409)' },
  ScimError: ScimErrorSchema,
});

export const SECURITY_SCHEMES = {
  bearer: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A Personal or Service token (`Authorization: Bearer <token>`); SCIM administration tokens reach /api/scim/v2 only',
  },
  session: {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description: "The web UI's session, set by POST /api/auth/login. Unsafe methods must come from this server's origin (CSRF)",
  },
  leakReportSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'Github-Public-Key-Signature',
    description: 'GitHub secret scanning: an ECDSA P-256 signature (base64 DER) of the raw body by the key named in Github-Public-Key-Identifier, one of GATEHOUSE_LEAK_REPORT_KEYS',
  },
} as const;

/** Who may call a route, as an operation's `security`: public routes none, SCIM bearer tokens only. */
const SECURITY: Record<AuthMode, Array<Record<string, string[]>>> = {
  public: [],
  user: [{ bearer: [] }, { session: [] }],
  scim: [{ bearer: [] }],
  'token-or-signature': [{ bearer: [] }, { leakReportSignature: [] }],
};

type RouteSchema = Record<string, unknown> & { hide?: boolean; response?: Record<string, unknown> };

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The error statuses a route can answer beyond those it declares, from how it is reached:
 * - authenticated (`user`, `scim`): 400 (malformed Authorization), 401, 403 (a token of the
 *   wrong scope; a cross-origin session request), 429 (refused tokens from this address);
 * - input (a schema, or a body, which is parsed as JSON whenever one is sent): 422 (SCIM answers
 *   400 invalidValue instead); path parameters: 404;
 * - a method with a body (POST, PUT, PATCH, DELETE): 413 (over the body limit) and 415 (a media
 *   type the route does not read), answered while the body is parsed, before the route runs;
 * - every route but the liveness probe: 503 (overload, database unreachable).
 */
export function impliedErrorStatuses(route: { auth: AuthMode; alwaysServe: boolean; hasInput: boolean; hasBody: boolean; hasParams: boolean }): number[] {
  const statuses = new Set<number>();
  if (route.auth !== 'public') for (const s of [400, 401, 403, 429]) statuses.add(s);
  if (route.hasInput) statuses.add(route.auth === 'scim' ? 400 : 422);
  if (route.hasBody) for (const s of [413, 415]) statuses.add(s);
  if (route.hasParams) statuses.add(404);
  if (!route.alwaysServe) statuses.add(503);
  return [...statuses];
}

/**
 * @fastify/swagger's `transform`: a route's operation with its security and every error status
 * it can answer, in the error body of its scope (SCIM's on SCIM routes), which
 * `linkErrorResponses` then replaces with the shared response of that status.
 */
export const documentRoute: SwaggerTransform = ({ schema: fastifySchema, url, route }) => {
  const schema = fastifySchema as RouteSchema | undefined;
  if (!schema || schema.hide === true) return { schema: fastifySchema, url };
  const auth = route.config?.auth ?? 'public';
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const hasBody = methods.some((m) => UNSAFE.has(m));
  const statuses = impliedErrorStatuses({
    auth,
    alwaysServe: route.config?.alwaysServe === true,
    hasInput: schema.body !== undefined || schema.querystring !== undefined || schema.params !== undefined || hasBody,
    hasBody,
    hasParams: url.includes(':'),
  });
  const response: Record<string, unknown> = { ...schema.response };
  for (const status of statuses) response[status] ??= auth === 'scim' ? ScimErrorSchema : ErrorSchema;
  return { schema: { ...schema, response, security: SECURITY[auth] }, url };
};

type Operation = { responses?: Record<string, { description?: string; content?: Record<string, { schema?: { required?: string[] } }> } | { $ref: string }> };

const SUCCESS: Record<string, string> = { 200: 'OK', 201: 'Created', 204: 'Done (no content)' };

/** Which shared error body a response has, if any: the API's (`request_id`) or SCIM's (`schemas`). */
function errorBodyOf(response: { content?: Record<string, { schema?: { required?: string[] } }> }): '' | 'Scim' | undefined {
  if (response.content?.['application/json']?.schema?.required?.includes('request_id')) return '';
  if (response.content?.[SCIM_JSON]?.schema?.required?.includes('schemas')) return 'Scim';
  return undefined;
}

/**
 * @fastify/swagger's `transformObject`: every error response with the API's or SCIM's body
 * becomes a reference to the shared one of its status (same body, plus its description and
 * headers: WWW-Authenticate on 401, Retry-After on 429 and 503). Other answers (the HTML pages
 * of the CLI login) stay as their routes declare them.
 */
export function linkErrorResponses<T extends { paths?: Record<string, Record<string, unknown>>; components?: { responses?: Record<string, unknown> } }>(doc: T): T {
  const used = new Set<string>();
  const link = (name: string) => {
    used.add(name);
    return { $ref: `#/components/responses/${name}` };
  };
  for (const pathItem of Object.values(doc.paths ?? {})) {
    for (const operation of Object.values(pathItem) as Operation[]) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        // @fastify/swagger's placeholder for a response without a description.
        if ('description' in response && response.description === 'Default Response') response.description = SUCCESS[status] ?? 'The answer';
        const shared = ERRORS[Number(status)];
        if (!shared || '$ref' in response) continue;
        const body = errorBodyOf(response);
        if (body !== undefined) operation.responses![status] = link(`${body}${shared.name}`);
      }
    }
  }
  // Only the shared responses in use (SCIM has no 422, for one).
  if (doc.components?.responses) {
    doc.components.responses = Object.fromEntries(Object.entries(doc.components.responses).filter(([name]) => used.has(name)));
  }
  return doc;
}

/**
 * The server clients should call, as a document's `servers`: the public URL when configured,
 * else the origin this request reached (behind a proxy: its X-Forwarded-* when trusted).
 */
export function serversFor(ctx: Pick<AppContext, 'config'>, request: FastifyRequest): Array<{ url: string; description: string }> {
  const url = ctx.config.publicUrl ?? `${request.protocol}://${request.host}`;
  return [{ url: url.replace(/\/+$/, ''), description: ctx.config.publicUrl ? 'GATEHOUSE_PUBLIC_URL' : 'This server, as this request reached it' }];
}

/** A document with the `servers` of this request, after its `info`. */
export function withServers(doc: object, ctx: Pick<AppContext, 'config'>, request: FastifyRequest): Record<string, unknown> {
  const { openapi, info, ...rest } = doc as Record<string, unknown>;
  return { openapi, info, servers: serversFor(ctx, request), ...rest };
}
