import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Parses a JSON body read as text: an empty body is no body (clients send a JSON content type
 * on bodiless GET and DELETE requests); broken JSON is Fastify's FST_ERR_CTP_INVALID_JSON_BODY,
 * which each scope's error handler answers in its format (422 naming the body; SCIM's 400).
 */
export function parseJsonText(_request: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void): void {
  const text = String(body).trim();
  if (text === '') return done(null, undefined);
  try {
    done(null, JSON.parse(text));
  } catch {
    done(Object.assign(new Error('body: is not valid JSON'), { statusCode: 422, code: 'FST_ERR_CTP_INVALID_JSON_BODY' }), undefined);
  }
}

/** Request bodies are JSON only (the CSRF rule of SPEC §3: no form or text bodies). */
export const jsonBody = fp(
  async (app) => {
    app.removeContentTypeParser('text/plain');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonText);
  },
  { name: 'gatehouse-json-body' },
);
