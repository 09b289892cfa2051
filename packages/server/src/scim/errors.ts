import { DomainError, scim, type ErrorCode } from '@gatehouse/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS } from '../http/errors.js';

/** RFC 7644 §3.1: SCIM messages are `application/scim+json`. */
export const SCIM_JSON = 'application/scim+json; charset=utf-8';

export interface ScimErrorBody {
  schemas: [typeof scim.ERROR_SCHEMA];
  status: string;
  scimType?: scim.ScimType;
  detail: string;
}

export function scimErrorBody(status: number, detail: string, scimType?: scim.ScimType | null): ScimErrorBody {
  return { schemas: [scim.ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}), detail };
}

/** Sends a SCIM error (RFC 7644 §3.12); the request id travels in a header (the body schema has no room for it). */
export function sendScimError(reply: FastifyReply, status: number, detail: string, scimType?: scim.ScimType | null): FastifyReply {
  return reply.code(status).header('x-request-id', String(reply.request.id)).type(SCIM_JSON).send(scimErrorBody(status, detail, scimType));
}

/** Domain codes whose SCIM form differs from the API's: the one place they are mapped. */
const DOMAIN_TO_SCIM: Partial<Record<ErrorCode, { status: number; scimType: scim.ScimType | null }>> = {
  USER_EXISTS: { status: 409, scimType: 'uniqueness' },
  NAME_TAKEN: { status: 409, scimType: 'uniqueness' },
  INVALID_INPUT: { status: 400, scimType: 'invalidValue' },
  PUBLIC_TEAM: { status: 400, scimType: 'mutability' },
  LAST_ADMIN: { status: 409, scimType: null },
};

const FASTIFY_TO_SCIM: Record<string, { status: number; scimType: scim.ScimType | null; detail: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, scimType: 'invalidSyntax', detail: 'The body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, scimType: 'invalidSyntax', detail: 'The body is empty' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, scimType: null, detail: 'Send application/scim+json or application/json' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, scimType: null, detail: 'The request body is too large' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, scimType: 'invalidSyntax', detail: 'Content-Length does not match the body' },
};

/** The error handler of the SCIM plugin: every failure becomes a SCIM error body. */
export function handleScimError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const thrown: unknown = error;
  if (thrown instanceof scim.ScimError) {
    request.log.info({ scimType: thrown.scimType }, thrown.message);
    return sendScimError(reply, thrown.status, thrown.message, thrown.scimType);
  }
  if (thrown instanceof DomainError) {
    const code: ErrorCode = thrown.code;
    const mapped = DOMAIN_TO_SCIM[code];
    const status = mapped?.status ?? STATUS[code];
    if (status >= 500) request.log.error({ err: thrown, context: thrown.context }, thrown.message);
    else request.log.info({ code: thrown.code }, thrown.message);
    if (status === 503) reply.header('retry-after', '5');
    return sendScimError(reply, status, thrown.message, mapped?.scimType);
  }
  const known = error.code ? FASTIFY_TO_SCIM[error.code] : undefined;
  if (known) return sendScimError(reply, known.status, known.detail, known.scimType);
  if (error.validation) return sendScimError(reply, 400, `${error.validationContext ?? 'request'}: ${error.message}`, 'invalidValue');
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return sendScimError(reply, error.statusCode, error.message);
  request.log.error({ err: error }, 'unhandled error');
  return sendScimError(reply, 500, `Something went wrong on our side; request id ${request.id}`);
}
