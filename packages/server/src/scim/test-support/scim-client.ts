import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { TestApp } from '../../test-support/test-app.js';

/** Test helper: SCIM requests as an identity provider sends them (application/scim+json). */
export interface ScimClient {
  token: string;
  tokenId: number;
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, body: unknown): Promise<LightMyRequestResponse>;
  put(url: string, body: unknown): Promise<LightMyRequestResponse>;
  patch(url: string, ...operations: unknown[]): Promise<LightMyRequestResponse>;
  del(url: string): Promise<LightMyRequestResponse>;
}

export const BASE = '/api/scim/v2';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

let n = 0;

/** A SCIM administration token made by the test app's Admin, and requests made with it. */
export async function scimClient(t: TestApp, userAgent = 'Microsoft.Identity.Provisioning'): Promise<ScimClient> {
  const created = await t.makeToken(t.adminToken, { name: `scim-${++n}`, scim_endpoints_only: true });
  const token = created.bearer_token;
  const send = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown) =>
    t.request({
      method,
      url: `${BASE}${url}`,
      token,
      headers: { 'user-agent': userAgent, ...(body !== undefined ? { 'content-type': 'application/scim+json; charset=utf-8' } : {}) },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
  return {
    token,
    tokenId: created.id,
    get: (url) => send('GET', url),
    post: (url, body) => send('POST', url, body),
    put: (url, body) => send('PUT', url, body),
    patch: (url, ...operations) => send('PATCH', url, { schemas: [PATCH_OP], Operations: operations }),
    del: (url) => send('DELETE', url),
  };
}

/** Asserts a SCIM error body (RFC 7644 §3.12) with its status as a string. */
export function expectScimError(res: LightMyRequestResponse, status: number, scimType?: string): void {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
  const body = res.json();
  expect(body).toMatchObject({ schemas: [ERROR], status: String(status), detail: expect.any(String) });
  if (scimType) expect(body.scimType).toBe(scimType);
  else expect(body.scimType).toBeUndefined();
}

export const filterUrl = (path: string, filter: string, extra = '') => `${path}?filter=${encodeURIComponent(filter)}${extra}`;
