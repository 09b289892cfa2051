import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { withApp, type TestApp } from '../test-support/test-app.js';

/*
 * The OpenAPI document (/api/openapi.json), walked operation by operation, so that a route
 * added without its documentation fails here; then linted by Redocly's recommended rules.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const PUBLIC_URL = 'https://gatehouse.acme.test';

/** Routes left out of the document on purpose. */
const UNDOCUMENTED = new Set([
  'GET /metrics', // Prometheus' text format, not the API
  'GET /api/openapi.json', // the document itself
  'GET /api/datastores/listing', // an alias of GET /api/datastores for older Qualytics CLIs
]);
/** Pages of the API's docs (Swagger UI), not API routes. */
const isDocsPage = (url: string) => url === '/api/docs' || url.startsWith('/api/docs/');
const isApiRoute = (url: string) => (url.startsWith('/api/') || url === '/healthz' || url === '/readyz') && !isDocsPage(url);

function operationsOf(doc: Json): Array<{ key: string; path: string; method: string; op: Json }> {
  return Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => ({ key: `${m.toUpperCase()} ${path}`, path, method: m, op: item[m] as Json })));
}

/** A response, with a reference to a shared one followed. */
function resolved(doc: Json, response: Json): Json {
  const ref = response.$ref as string | undefined;
  return ref ? doc.components.responses[ref.replace('#/components/responses/', '')] : response;
}

describe('the OpenAPI document', () => {
  withApp({ GATEHOUSE_PUBLIC_URL: PUBLIC_URL }, (app) => {
    let doc: Json;
    beforeAll(async () => {
      const res = await app().request({ method: 'GET', url: '/api/openapi.json' });
      expect(res.statusCode).toBe(200);
      doc = res.json();
    });

    it('documents every route of the API (a new route must be documented, or left out here with a reason)', () => {
      const routes = app().server.app.gatehouse.routes
        .filter((r) => isApiRoute(r.url) && !UNDOCUMENTED.has(`${r.method} ${r.url}`))
        .map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
      expect(operationsOf(doc).map((o) => o.key).sort()).toEqual([...new Set(routes)].sort());
    });

    it('gives every operation a unique readable operationId, a summary, tags the document defines, a success and a 4xx', () => {
      const tags = new Set((doc.tags as Json[]).map((t) => t.name as string));
      const ids = new Map<string, string>();
      const problems: string[] = [];
      for (const { key, op } of operationsOf(doc)) {
        const id = op.operationId as string | undefined;
        if (!id || !/^[a-z][a-zA-Z]+$/.test(id)) problems.push(`${key}: operationId ${id} is not camelCase words`);
        else if (ids.has(id)) problems.push(`${key}: operationId ${id} is taken by ${ids.get(id)}`);
        else ids.set(id, key);
        const summary = op.summary as string | undefined;
        if (!summary || summary.length > 80) problems.push(`${key}: summary ${JSON.stringify(summary)} is missing or over 80 characters (details go in description)`);
        const opTags = (op.tags ?? []) as string[];
        if (opTags.length === 0 || !opTags.every((t) => tags.has(t))) problems.push(`${key}: tags ${JSON.stringify(opTags)} are missing or not in the document's tags`);
        const statuses = Object.keys(op.responses ?? {});
        if (!statuses.some((s) => /^[23]/.test(s))) problems.push(`${key}: no success response`);
        const probe = ['GET /healthz', 'GET /readyz', 'GET /api/status', 'GET /api/health', 'GET /api/auth/setup', 'GET /api/auth/config'].includes(key);
        if (!probe && !statuses.some((s) => s.startsWith('4'))) problems.push(`${key}: no 4xx response`);
      }
      expect(problems.join('\n')).toBe('');
      expect(ids.get('createUserToken')).toBe('POST /api/user-tokens');
      expect(ids.get('revokeUserTokens')).toBe('POST /api/users/{id}/revoke-tokens');
    });

    it('documents the refusals of every protected operation with the shared error body: 401 with its challenge, 403, 429 and 503 with Retry-After', () => {
      const problems: string[] = [];
      for (const { key, path, op } of operationsOf(doc)) {
        if ((op.security as Json[]).length === 0) continue;
        const scim = path.startsWith('/api/scim/v2/');
        for (const status of ['400', '401', '403', '429', '503']) {
          const response = op.responses[status] as Json | undefined;
          const expected = `#/components/responses/${scim ? 'Scim' : ''}${({ 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 429: 'TooManyRequests', 503: 'ServiceUnavailable' } as Json)[status]}`;
          if (response?.$ref !== expected) problems.push(`${key}: ${status} is ${JSON.stringify(response)}, not ${expected}`);
        }
      }
      expect(problems.join('\n')).toBe('');
      const responses = doc.components.responses as Json;
      expect(Object.keys(responses.Unauthorized.headers)).toEqual(['WWW-Authenticate']);
      expect(Object.keys(responses.TooManyRequests.headers)).toEqual(['Retry-After']);
      expect(Object.keys(responses.ServiceUnavailable.headers)).toEqual(['Retry-After']);
      expect(responses.Unauthorized.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
      expect(responses.ScimUnauthorized.content['application/scim+json'].schema).toEqual({ $ref: '#/components/schemas/ScimError' });
      expect(doc.components.schemas.Error.required).toEqual(['detail', 'code', 'request_id']);
    });

    it('documents input refusals (422), unknown ids (404) and route-specific conflicts (409)', () => {
      const op = (path: string, method: string) => doc.paths[path][method] as Json;
      expect(op('/api/user-tokens/{id}', 'put').responses).toMatchObject({
        404: { $ref: '#/components/responses/NotFound' },
        409: { $ref: '#/components/responses/Conflict' },
        422: { $ref: '#/components/responses/UnprocessableEntity' },
      });
      expect(resolved(doc, op('/api/user-tokens/{id}', 'put').responses[422]).description).toMatch(/field/);
      // SCIM refuses bad input with 400 invalidValue (RFC 7644 §3.12), not 422.
      expect(op('/api/scim/v2/Users', 'post').responses).toMatchObject({ 400: { $ref: '#/components/responses/ScimBadRequest' }, 409: { $ref: '#/components/responses/ScimConflict' } });
      expect(op('/api/scim/v2/Users', 'post').responses[422]).toBeUndefined();
      // The liveness probe answers even when overloaded.
      expect(op('/healthz', 'get').responses[503]).toBeUndefined();
      expect(op('/readyz', 'get').responses[503]).toEqual({ $ref: '#/components/responses/ServiceUnavailable' });
    });

    it('documents 413 and 415 on every operation that takes a body, and only there', () => {
      const problems: string[] = [];
      for (const { key, path, method, op } of operationsOf(doc)) {
        const scim = path.startsWith('/api/scim/v2/') ? 'Scim' : '';
        const takesBody = method !== 'get';
        for (const [status, name] of [['413', 'PayloadTooLarge'], ['415', 'UnsupportedMediaType']] as const) {
          const response = op.responses[status] as Json | undefined;
          const expected = takesBody ? { $ref: `#/components/responses/${scim}${name}` } : undefined;
          if (JSON.stringify(response) !== JSON.stringify(expected)) problems.push(`${key}: ${status} is ${JSON.stringify(response)}, not ${JSON.stringify(expected)}`);
        }
      }
      expect(problems.join('\n')).toBe('');
    });

    it('a body over the limit answers 413 and one of another media type 415, on every such operation, in the documented body', async () => {
      const t = app();
      const scimToken = (await t.makeToken(t.adminToken, { name: 'openapi-scim', scim_endpoints_only: true })).bearer_token;
      // Over the largest limit any route sets (1 MiB, leak reports).
      const tooLarge = JSON.stringify({ name: 'x'.repeat(1024 * 1024) });
      const problems: string[] = [];
      const check = async (key: string, op: Json, status: '413' | '415', res: Awaited<ReturnType<TestApp['request']>>) => {
        const documented = resolved(doc, op.responses[status] as Json);
        const [mediaType, content] = Object.entries(documented.content as Json)[0]! as [string, Json];
        const schema = doc.components.schemas[(content.schema.$ref as string).replace('#/components/schemas/', '')] as Json;
        const body = res.json() as Json;
        if (String(res.statusCode) !== status) problems.push(`${key}: answered ${res.statusCode}, not ${status}`);
        else if (!String(res.headers['content-type']).startsWith(mediaType)) problems.push(`${key} ${status}: ${res.headers['content-type']}, not ${mediaType}`);
        else if (!(schema.required as string[]).every((k) => k in body)) problems.push(`${key} ${status}: ${JSON.stringify(body)} lacks one of ${schema.required}`);
        else if (mediaType === 'application/json' && body.code !== (status === '413' ? 'PAYLOAD_TOO_LARGE' : 'UNSUPPORTED_MEDIA_TYPE')) problems.push(`${key} ${status}: code ${body.code}`);
      };
      const withBody = operationsOf(doc).filter((o) => o.method !== 'get');
      expect(withBody.length).toBeGreaterThan(30);
      for (const { key, path, method, op } of withBody) {
        const url = path.replace(/\{\w+\}/g, '1');
        const token = path.startsWith('/api/scim/v2/') ? scimToken : t.adminToken;
        const send = (payload: string, contentType: string) =>
          t.request({ method: method.toUpperCase() as 'POST', url, token, payload, headers: { 'content-type': contentType } });
        await check(key, op, '413', await send(tooLarge, 'application/json'));
        await check(key, op, '415', await send('name=x', 'text/plain'));
      }
      expect(problems.join('\n')).toBe('');
    });

    it('says who may call each operation: public ones without credentials, SCIM with a bearer token, the rest with a bearer token or the session cookie', () => {
      expect(doc.components.securitySchemes).toEqual({
        bearer: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }),
        session: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'gatehouse_session' }),
        leakReportSignature: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'Github-Public-Key-Signature' }),
      });
      const security = (path: string, method: string) => doc.paths[path][method].security;
      expect(security('/api/auth/login', 'post')).toEqual([]);
      expect(security('/healthz', 'get')).toEqual([]);
      expect(security('/api/user-tokens', 'post')).toEqual([{ bearer: [] }, { session: [] }]);
      expect(security('/api/scim/v2/Users', 'get')).toEqual([{ bearer: [] }]);
      expect(security('/api/leaks', 'post')).toEqual([{ bearer: [] }, { leakReportSignature: [] }]);
    });

    it('names the server by GATEHOUSE_PUBLIC_URL, and has a licence', () => {
      expect(doc.servers).toEqual([{ url: PUBLIC_URL, description: expect.any(String) }]);
      expect(doc.info.license).toMatchObject({ name: expect.any(String) });
    });

    it('shows the seed page example of generating a Service token', () => {
      const op = doc.paths['/api/user-tokens'].post as Json;
      expect(op.requestBody.content['application/json'].examples.serviceToken.value).toEqual({ name: 'api-production', user_id: 123, expires_in_days: 365 });
      expect(op.responses[200].content['application/json'].examples.serviceToken.value).toMatchObject({
        id: 456, name: 'api-production', active: true, bearer_token: expect.stringMatching(/^eyJ/),
        user: { id: 123, user_id: 'api_access@service', name: 'API Access', user_type: 'Service' },
      });
    });

    it("passes Redocly's recommended rules with no error and no warning (redocly.yaml, .redocly.lint-ignore.yaml)", () => {
      const dir = mkdtempSync(join(tmpdir(), 'gatehouse-openapi-'));
      try {
        writeFileSync(join(dir, 'openapi.json'), JSON.stringify(doc, null, 2));
        for (const file of ['redocly.yaml', '.redocly.lint-ignore.yaml']) copyFileSync(join(REPO, file), join(dir, file));
        const cli = createRequire(import.meta.url).resolve('@redocly/cli/bin/cli.js');
        const run = spawnSync(process.execPath, [cli, 'lint', 'openapi.json', '--format=json'], {
          cwd: dir,
          encoding: 'utf8',
          // No usage report or update check: the lint runs offline.
          env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        });
        const report = JSON.parse(run.stdout) as { totals: Json; problems: Json[] };
        const shown = report.problems
          .filter((p) => !p.ignored)
          .map((p) => `${p.severity} ${p.ruleId} at ${p.location?.[0]?.pointer}: ${p.message}`);
        expect(shown.join('\n')).toBe('');
        expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
        // Every exception in the ignore file is still needed (none hides a fixed problem).
        expect(report.totals.ignored).toBe(8);
        expect(run.status).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 60_000);
  });

  withApp({}, (app) => {
    it('without a public URL, names the server by the origin the request reached', async () => {
      const res = await app().request({ method: 'GET', url: '/api/openapi.json', headers: { host: 'gatehouse.internal:8000' } });
      expect(res.json().servers).toEqual([{ url: 'http://gatehouse.internal:8000', description: expect.any(String) }]);
      // The docs page's copy of the document too.
      const ui = await app().request({ method: 'GET', url: '/api/docs/json', headers: { host: 'gatehouse.internal:8000' } });
      expect(ui.json().servers).toEqual(res.json().servers);
    });
  });
});
