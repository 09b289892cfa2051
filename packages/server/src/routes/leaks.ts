import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { DomainError, MAX_LEAK_REPORT_ITEMS, reportLeaks, type LeakReporter } from '@gatehouse/core';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { actorOf, type App, type AppContext } from '../http/context.js';
import { errorResponses } from '../http/wire.js';
import { parseJsonText } from '../plugins/json-body.js';

/** GitHub's secret-scanning partner payload (SPEC §11): one entry per secret found. */
const LeakReport = Type.Array(
  Type.Object({
    token: Type.String({ minLength: 1, maxLength: 8192 }),
    type: Type.Optional(Type.String({ maxLength: 200 })),
    url: Type.Optional(Type.String({ maxLength: 2048 })),
    source: Type.Optional(Type.String({ maxLength: 200 })),
  }),
  { minItems: 1, maxItems: MAX_LEAK_REPORT_ITEMS },
);

const LeakVerdicts = Type.Array(Type.Object({
  token_hash: Type.String({ description: 'SHA-256 of the reported string, hex' }),
  token_type: Type.String(),
  label: Type.Enum(['true_positive', 'false_positive']),
}));

/** The signing headers of GitHub's secret-scanning partner program. */
const KEY_ID_HEADER = 'github-public-key-identifier';
const SIGNATURE_HEADER = 'github-public-key-signature';

const unauthenticated = (detail: string) => new DomainError('UNAUTHENTICATED', detail);

/**
 * POST /api/leaks: leaked tokens are revoked within this request (SPEC §11). Authenticated by an
 * Admin's bearer token (through the auth hook, with its scope and IP rules), or, without an
 * Authorization header, by an ECDSA P-256 signature over the raw body (SHA-256; the signature
 * base64 DER, as GitHub sends it) made with a key of GATEHOUSE_LEAK_REPORT_KEYS.
 */
export async function leaksRoutes(root: App, ctx: AppContext): Promise<void> {
  const keys = new Map<string, KeyObject>(ctx.config.leakReportKeys.map((k) => [k.keyIdentifier, createPublicKey(k.pem)]));
  // What was signed is the body as sent: kept as text beside the parsed value.
  const rawBodies = new WeakMap<FastifyRequest, string>();

  const signedReporter = (request: FastifyRequest): LeakReporter => {
    const keyId = request.headers[KEY_ID_HEADER];
    const signature = request.headers[SIGNATURE_HEADER];
    if (typeof keyId !== 'string' || typeof signature !== 'string') {
      throw unauthenticated('Send an Admin token (Authorization: Bearer …) or the Github-Public-Key-Identifier and Github-Public-Key-Signature headers');
    }
    const key = keys.get(keyId);
    if (key === undefined) throw unauthenticated('The signing key is not one of GATEHOUSE_LEAK_REPORT_KEYS');
    const raw = rawBodies.get(request) ?? '';
    let valid = false;
    try {
      valid = verify('sha256', Buffer.from(raw, 'utf8'), key, Buffer.from(signature, 'base64'));
    } catch {
      valid = false;
    }
    if (!valid) throw unauthenticated('The signature does not verify against the body');
    return { actor: null, via: `signature:${keyId}`, ip: request.ip };
  };

  await root.register(async (scope) => {
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (request, body, done) => {
      rawBodies.set(request, String(body));
      parseJsonText(request, body, done);
    });

    const reporters = new WeakMap<FastifyRequest, LeakReporter>();
    app.post('/api/leaks', {
      config: { auth: 'token-or-signature', scope: 'tokens:write' },
      // Who reports is settled before the body is validated: an unauthenticated caller learns nothing about its input.
      preValidation: (request, _reply, done) => {
        try {
          reporters.set(request, request.principal ? { actor: actorOf(request), via: 'admin', ip: request.ip } : signedReporter(request));
          done();
        } catch (e) {
          done(e as Error);
        }
      },
      schema: {
        operationId: 'reportLeakedTokens',
        tags: ['tokens'],
        summary: 'Report leaked tokens',
        description: "GitHub's secret-scanning partner format. Each token of this server is revoked at once with reason \"leaked\"; the answer labels every entry. An Admin token (scope tokens:write), or GitHub's signature headers (Github-Public-Key-Identifier, Github-Public-Key-Signature) checked against GATEHOUSE_LEAK_REPORT_KEYS.",
        body: LeakReport,
        response: { 200: LeakVerdicts, ...errorResponses(403) },
      },
    }, async (request) => {
      const verdicts = await reportLeaks(ctx.deps, reporters.get(request)!, request.body, (err) => request.log.warn({ err }, 'could not mail a leaked token to its owners'));
      return verdicts.map((v) => ({ token_hash: v.tokenHash, token_type: v.tokenType, label: v.label }));
    });
  });
}
