import fp from 'fastify-plugin';

/**
 * Request bodies are JSON only (the CSRF rule of SPEC §3: no form or text bodies). Clients also
 * send `Content-Type: application/json` on bodiless GET and DELETE requests: an empty body is
 * no body. Broken JSON is a 422 naming the body.
 */
export const jsonBody = fp(
  async (app) => {
    app.removeContentTypeParser('text/plain');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
      const text = (body as string).trim();
      if (text === '') return done(null, undefined);
      try {
        done(null, JSON.parse(text));
      } catch {
        const err = Object.assign(new Error('body: is not valid JSON'), { statusCode: 422, code: 'FST_ERR_CTP_INVALID_JSON_BODY' });
        done(err, undefined);
      }
    });
  },
  { name: 'gatehouse-json-body' },
);
