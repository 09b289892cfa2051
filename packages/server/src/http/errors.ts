import { DomainError, RateLimitedError, type ErrorCode } from '@gatehouse/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** One map from domain error code to HTTP status (exhaustive: a new code fails to compile here). */
export const STATUS: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  INVALID_TOKEN: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  SCIM_TOKEN_NOT_ALLOWED: 403,
  INSUFFICIENT_SCOPE: 403,
  IP_NOT_ALLOWED: 403,
  CSRF_REJECTED: 403,
  NOT_FOUND: 404,
  NAME_TAKEN: 409,
  USER_EXISTS: 409,
  TOKEN_ACTIVE: 409,
  CONNECTION_IN_USE: 409,
  TOKEN_REVOKED: 409,
  LAST_ADMIN: 409,
  DEACTIVATED_BY_ADMIN: 409,
  PUBLIC_TEAM: 409,
  INVALID_INPUT: 422,
  SETUP_UNAVAILABLE: 403,
  RATE_LIMITED: 429,
  STORE_UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** Headers of every API answer: JSON only, never rendered, framed or cached. */
export const API_SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cache-control': 'no-store',
};

export interface ErrorBody {
  detail: string;
  code: string;
  request_id: string;
  field?: string;
}

/** RFC 6750 §3: the challenge sent with every 401. */
export function bearerChallenge(error?: 'invalid_token' | 'invalid_request', description?: string): string {
  let v = 'Bearer realm="gatehouse"';
  if (error) v += `, error="${error}"`;
  if (description) v += `, error_description="${description.replace(/["\\]/g, '')}"`;
  return v;
}

export function sendError(reply: FastifyReply, status: number, code: string, detail: string, field?: string): FastifyReply {
  // Error answers may come from outside the API routes' hook (the not-found and error handlers,
  // a malformed URL), or replace a page's headers (helmet's): the API's headers, always.
  reply.headers(API_SECURITY_HEADERS);
  return sendErrorBody(reply, status, code, detail, field);
}

/**
 * sendError for the API routes' own hook (fast-path/authenticate.ts), which has set the security
 * headers already: a refused token is the one error answered at full speed, so its headers are
 * set once.
 */
export function sendErrorFromApiHook(reply: FastifyReply, status: number, code: string, detail: string): FastifyReply {
  return sendErrorBody(reply, status, code, detail);
}

function sendErrorBody(reply: FastifyReply, status: number, code: string, detail: string, field?: string): FastifyReply {
  if (status === 401 && !reply.hasHeader('www-authenticate')) reply.header('www-authenticate', bearerChallenge());
  if (status === 503 || status === 429) reply.header('retry-after', reply.getHeader('retry-after') ?? '5');
  const requestId = String(reply.request.id);
  // One shape with or without a field (a spread made each body an object of its own kind).
  const body: ErrorBody = field ? { detail, code, request_id: requestId, field } : { detail, code, request_id: requestId };
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

interface AjvError {
  instancePath: string;
  schemaPath?: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** `body.expires_in_days`-style field name and a readable reason for the first schema violation. */
export function describeValidation(errors: AjvError[], context: string): { field: string; message: string } {
  const e = errors[0];
  if (!e) return { field: context, message: 'is invalid' };
  const path = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const missing = e.keyword === 'required' ? String(e.params.missingProperty) : undefined;
  // A nested missing field is named with its parent (`idle_revoke_days.Service`).
  const field = missing !== undefined ? (path ? `${path}.${missing}` : missing) : path || context;
  let message = e.message ?? 'is invalid';
  if (missing) message = 'is required';
  else if (e.keyword === 'not' && e.schemaPath?.endsWith('/additionalProperties/not')) message = 'is not supported';
  else if (e.keyword === 'enum') message = `must be one of: ${(e.params.allowedValues as unknown[]).join(', ')}`;
  return { field, message };
}

const FASTIFY_CLIENT_ERRORS: Record<string, [number, string, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: [422, 'INVALID_INPUT', 'body: is not valid JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [422, 'INVALID_INPUT', 'body: is empty'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE', 'Send JSON with Content-Type: application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'BAD_REQUEST', 'Content-Length does not match the body'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'PAYLOAD_TOO_LARGE', 'The request body is too large'],
  FST_ERR_BAD_URL: [400, 'BAD_REQUEST', 'The URL is malformed'],
  FST_ERR_MAX_PARAM_LENGTH: [414, 'URI_TOO_LONG', 'A path segment of the URL is too long'],
  FST_ERR_ASYNC_CONSTRAINT: [400, 'BAD_REQUEST', 'The request is malformed'],
};

export function sendDomainError(error: DomainError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const status = STATUS[error.code];
  if (status >= 500) request.log.error({ err: error, context: error.context }, error.message);
  else request.log.info({ code: error.code }, error.message);
  if (error instanceof RateLimitedError) reply.header('retry-after', String(error.retryAfterSeconds));
  return sendError(reply, status, error.code, error.message, error.field);
}

/**
 * The error handler of the whole API: domain errors by their code, schema violations as 422
 * naming the field, known client errors by status, anything else a logged 500 without details.
 */
export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const thrown: unknown = error;
  if (thrown instanceof DomainError) {
    return sendDomainError(thrown, request, reply);
  }
  if (error.validation) {
    const { field, message } = describeValidation(error.validation as AjvError[], error.validationContext ?? 'body');
    request.log.info({ field }, 'invalid input');
    return sendError(reply, 422, 'INVALID_INPUT', `${field}: ${message}`, field);
  }
  const known = error.code ? FASTIFY_CLIENT_ERRORS[error.code] : undefined;
  if (known) return sendError(reply, known[0], known[1], known[2]);
  if (error.statusCode === 429) {
    return sendError(reply, 429, 'RATE_LIMITED', error.message || 'Too many requests; retry later');
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return sendError(reply, error.statusCode, 'BAD_REQUEST', error.message);
  }
  if (error.statusCode === 503) return sendError(reply, 503, 'SERVICE_UNAVAILABLE', error.message || 'The server is overloaded; retry later');
  request.log.error({ err: error }, 'unhandled error');
  return sendError(reply, 500, 'INTERNAL', 'Something went wrong on our side; the request id helps us find it');
}
