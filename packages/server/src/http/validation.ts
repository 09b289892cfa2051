import { parse as parseQuery } from 'node:querystring';
import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({ removeAdditional: true, useDefaults: true, allErrors: false, strict: false, ...options });
  addFormats(ajv);
  return ajv;
}

/**
 * Bodies are validated strictly (a string is not an integer: wrong types are 422), while
 * query strings and path parameters are coerced from text, as they can only be text.
 */
export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = makeAjv({ coerceTypes: false });
  const coercing = makeAjv({ coerceTypes: 'array' });
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema as object);
}

/** Python clients send booleans as `True` / `False` (SPEC §3 compatibility notes). */
export function parseQueryString(raw: string): Record<string, unknown> {
  if (raw === '') return {};
  const q = parseQuery(raw) as Record<string, string | string[]>;
  for (const [k, v] of Object.entries(q)) {
    if (v === 'True' || v === 'False') q[k] = v.toLowerCase();
  }
  return q;
}
