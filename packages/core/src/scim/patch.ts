import { invalidSyntax, invalidValue, mutability, noTarget } from './errors.js';
import { getProp, matchesValueFilter, parsePatchPath, type Filter, type PatchPath } from './filter.js';
import { CORE_SCHEMA, findAttribute, PATCH_OP, type ResourceKind } from './schemas.js';

/*
 * PATCH (RFC 7644 §3.5.2) applied to the SCIM JSON of a resource, generically: the result is
 * read back by the same code as a PUT body, so PATCH and PUT cannot disagree. Accepts what real
 * identity providers send besides the RFC: capitalised ops ("Replace"), no-path values with
 * dotted keys ({"name.givenName": "x"}), Entra ID's removal of members by a value list, Okta's
 * replace carrying the unchanged "id". Boolean strings ("False") are the reader's business.
 */

type JsonObject = Record<string, unknown>;
export type PatchOpName = 'add' | 'replace' | 'remove';

export interface PatchOperation {
  op: PatchOpName;
  path?: PatchPath;
  value?: unknown;
}

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Most operations a PATCH may carry (bounds the work of one request). */
export const MAX_OPERATIONS = 1000;

/**
 * Validates a PatchOp body into operations.
 * @throws ScimError invalidSyntax / invalidPath / invalidFilter
 */
export function parsePatchBody(body: unknown): PatchOperation[] {
  if (!isObject(body)) throw invalidSyntax('The body must be a PatchOp message (a JSON object)');
  const schemas = getProp(body, 'schemas');
  if (schemas !== undefined && !(Array.isArray(schemas) && schemas.some((s) => typeof s === 'string' && s.toLowerCase() === PATCH_OP.toLowerCase()))) {
    throw invalidSyntax(`schemas must contain "${PATCH_OP}"`);
  }
  const ops = getProp(body, 'Operations');
  if (!Array.isArray(ops) || ops.length === 0) throw invalidSyntax('Operations must be a non-empty array');
  if (ops.length > MAX_OPERATIONS) throw invalidSyntax(`at most ${MAX_OPERATIONS} operations per request`);
  return ops.map((raw, i) => {
    if (!isObject(raw)) throw invalidSyntax(`Operations[${i}] must be an object`);
    const name = getProp(raw, 'op');
    const op = typeof name === 'string' ? name.toLowerCase() : undefined;
    if (op !== 'add' && op !== 'replace' && op !== 'remove') throw invalidSyntax(`Operations[${i}].op must be add, replace or remove`);
    const rawPath = getProp(raw, 'path');
    const value = getProp(raw, 'value');
    const path = rawPath === undefined || rawPath === null || rawPath === '' ? undefined : parsePatchPath(rawPath);
    if (op === 'remove' && !path) throw noTarget(`Operations[${i}]: remove needs a path`);
    if (op !== 'remove' && value === undefined) throw invalidSyntax(`Operations[${i}]: ${op} needs a value`);
    if (op !== 'remove' && !path && !isObject(value)) throw invalidSyntax(`Operations[${i}]: without a path, the value must be an object of attributes`);
    return { op, ...(path ? { path } : {}), ...(value !== undefined ? { value } : {}) };
  });
}

/** The key under which `name` is (or would be) stored in `obj`: the existing one, whatever its case. */
function keyOf(obj: JsonObject, name: string, kind: ResourceKind, parent?: string): string {
  const lower = name.toLowerCase();
  const existing = Object.keys(obj).find((k) => k.toLowerCase() === lower);
  if (existing !== undefined) return existing;
  const def = parent === undefined ? findAttribute(kind, name) : findAttribute(kind, parent, name);
  return def?.name ?? name;
}

const clone = <T>(v: T): T => structuredClone(v);

function isMultiValued(kind: ResourceKind, attr: string, current: unknown): boolean {
  const def = findAttribute(kind, attr);
  return def ? def.multiValued : Array.isArray(current);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (isObject(a) && isObject(b) && getProp(a, 'value') !== undefined) {
    const x = getProp(a, 'value');
    const y = getProp(b, 'value');
    return typeof x === 'string' && typeof y === 'string' ? x.toLowerCase() === y.toLowerCase() : x === y;
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

const isTrue = (v: unknown) => v === true || (typeof v === 'string' && v.trim().toLowerCase() === 'true');

/**
 * RFC 7644 §3.5.2: when an operation sets `primary` to true on a value of a multi-valued
 * attribute, every other value of it loses `primary` (RFC 7643 §2.4: at most one is primary).
 */
function keepOnePrimary(items: unknown[], chosen: readonly unknown[]): unknown[] {
  const winner = [...chosen].reverse().find((c) => isObject(c) && isTrue(getProp(c, 'primary')));
  if (winner === undefined) return items;
  return items.map((item) => {
    if (item === winner || !isObject(item) || !isTrue(getProp(item, 'primary'))) return item;
    return { ...item, [keyOf(item, 'primary', 'User')]: false };
  });
}

/** Merges sub-attributes into a complex value (RFC 7644 §3.5.2.1/§3.5.2.3: unspecified ones stay). */
function merge(target: unknown, value: unknown, kind: ResourceKind, attr: string): unknown {
  if (!isObject(value)) return clone(value);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(value)) out[keyOf(out, k, kind, attr)] = clone(v);
  return out;
}

/** The scope object a path writes into (the resource, or its extension object, created if needed). */
function scopeForWrite(resource: JsonObject, kind: ResourceKind, uri: string | undefined): JsonObject {
  if (uri === undefined || uri.toLowerCase() === CORE_SCHEMA[kind].toLowerCase()) return resource;
  const key = keyOf(resource, uri, kind);
  const ext = resource[key];
  if (isObject(ext)) return ext;
  const created: JsonObject = {};
  resource[key] = created;
  return created;
}

/** Values of a filter's `eq` conditions joined by `and`: what a new value selected by it must hold. */
function impliedByFilter(f: Filter, kind: ResourceKind, attr: string): JsonObject | undefined {
  if (f.op === 'compare' && f.comparator === 'eq' && f.path.sub === undefined && f.path.uri === undefined) {
    return { [findAttribute(kind, attr, f.path.attr)?.name ?? f.path.attr]: f.value };
  }
  if (f.op === 'and') {
    const l = impliedByFilter(f.left, kind, attr);
    const r = impliedByFilter(f.right, kind, attr);
    return l && r ? { ...l, ...r } : undefined;
  }
  return undefined;
}

function applyOne(resource: JsonObject, kind: ResourceKind, op: PatchOpName, path: PatchPath, value: unknown, index: number): void {
  const where = `Operations[${index}]`;
  const scope = scopeForWrite(resource, kind, path.uri);
  const key = keyOf(scope, path.attr, kind);
  const current = scope[key];
  const multi = isMultiValued(kind, path.attr, current);

  if (path.filter) {
    if (!multi) throw invalidValue(`${where}: "${path.attr}" is not multi-valued and cannot take a value filter`);
    const items: unknown[] = Array.isArray(current) ? current : [];
    const matched = items.filter((item) => matchesValueFilter(item, path.filter!, kind, path.attr));
    if (op === 'remove') {
      if (path.sub === undefined) scope[key] = items.filter((item) => !matched.includes(item));
      else for (const m of matched) if (isObject(m)) delete m[keyOf(m, path.sub, kind, path.attr)];
      return;
    }
    if (matched.length === 0) {
      // RFC 7644 §3.5.2.3: a replace whose filter selects nothing fails. An add (which Entra ID
      // sends as `emails[type eq "work"].value`) creates the value the filter describes.
      const implied = op === 'add' ? impliedByFilter(path.filter, kind, path.attr) : undefined;
      if (!implied) throw noTarget(`${where}: the filter of "${path.attr}" matches no value`);
      const created = path.sub === undefined ? merge(implied, value, kind, path.attr) : { ...implied, [keyOf(implied, path.sub, kind, path.attr)]: clone(value) };
      scope[key] = keepOnePrimary([...items, created], [created]);
      return;
    }
    const changed: unknown[] = [];
    const next = items.map((item) => {
      if (!matched.includes(item)) return item;
      let out: unknown;
      if (path.sub === undefined) out = merge(item, value, kind, path.attr);
      else {
        const obj: JsonObject = isObject(item) ? { ...item } : {};
        obj[keyOf(obj, path.sub, kind, path.attr)] = clone(value);
        out = obj;
      }
      changed.push(out);
      return out;
    });
    scope[key] = keepOnePrimary(next, changed);
    return;
  }

  if (path.sub !== undefined) {
    if (multi) {
      // `emails.value`: applies to every value (creating one when there is none to add to).
      const items: unknown[] = Array.isArray(current) ? current : [];
      if (op === 'remove') {
        for (const item of items) if (isObject(item)) delete item[keyOf(item, path.sub, kind, path.attr)];
        return;
      }
      const targets = items.length > 0 ? items : [{}];
      scope[key] = targets.map((item) => ({ ...(isObject(item) ? item : {}), [keyOf(isObject(item) ? item : {}, path.sub!, kind, path.attr)]: clone(value) }));
      return;
    }
    const obj: JsonObject = isObject(current) ? { ...current } : {};
    const subKey = keyOf(obj, path.sub, kind, path.attr);
    if (op === 'remove') delete obj[subKey];
    else obj[subKey] = clone(value);
    scope[key] = obj;
    return;
  }

  if (op === 'remove') {
    // Entra ID removes members with {"op":"Remove","path":"members","value":[{"value":"id"}]}:
    // only the listed values go, not the whole attribute.
    if (multi && value !== undefined && value !== null) {
      const gone = Array.isArray(value) ? value : [value];
      scope[key] = (Array.isArray(current) ? current : []).filter((item) => !gone.some((g) => sameValue(item, g)));
      return;
    }
    delete scope[key];
    return;
  }

  if (multi) {
    const given = Array.isArray(value) ? value : [value];
    if (op === 'replace') {
      scope[key] = clone(given);
      return;
    }
    // add (RFC 7644 §3.5.2.1): new values join the existing ones; a value already there is
    // updated with what the new one says (e.g. made primary), not duplicated.
    let items: unknown[] = Array.isArray(current) ? [...current] : [];
    const added: unknown[] = [];
    for (const v of given) {
      const at = items.findIndex((item) => sameValue(item, v));
      const next = at >= 0 && isObject(items[at]) && isObject(v) ? merge(items[at], v, kind, path.attr) : clone(v);
      if (at >= 0) items[at] = next;
      else items.push(next);
      added.push(next);
    }
    items = keepOnePrimary(items, added);
    scope[key] = items;
    return;
  }
  const def = findAttribute(kind, path.attr);
  scope[key] = def?.type === 'complex' || (isObject(current) && isObject(value)) ? merge(current, value, kind, path.attr) : clone(value);
}

/** `urn:…:2.0:User` names a schema (its last segment is capitalised); `urn:…:User:manager` an attribute. */
const isSchemaUrn = (k: string) => /^urn:/i.test(k) && /^[A-Z]/.test(k.slice(k.lastIndexOf(':') + 1));

/** Splits a no-path value object into (path, value) pairs: dotted keys and schema-URN keys included. */
function expandNoPath(value: JsonObject, kind: ResourceKind): Array<{ path: PatchPath; value: unknown }> {
  const out: Array<{ path: PatchPath; value: unknown }> = [];
  for (const [k, v] of Object.entries(value)) {
    if (isSchemaUrn(k) && isObject(v)) {
      // {"urn:…:core:2.0:User": {…}} or a whole extension object {"urn:…:enterprise:2.0:User": {"department": "x"}}.
      const core = k.toLowerCase() === CORE_SCHEMA[kind].toLowerCase();
      for (const [ek, ev] of Object.entries(v)) out.push({ path: parsePatchPath(core ? ek : `${k}:${ek}`), value: ev });
      continue;
    }
    out.push({ path: parsePatchPath(k), value: v });
  }
  return out;
}

/**
 * Applies PATCH operations to a copy of a resource's SCIM JSON.
 * @param readOnly attributes that must come out unchanged (else 400 `mutability`)
 */
export function applyPatch(resource: JsonObject, operations: readonly PatchOperation[], kind: ResourceKind, readOnly: readonly string[]): JsonObject {
  const out = clone(resource);
  operations.forEach((o, i) => {
    if (o.path) applyOne(out, kind, o.op, o.path, o.value, i);
    else for (const p of expandNoPath(o.value as JsonObject, kind)) applyOne(out, kind, o.op, p.path, p.value, i);
  });
  for (const name of readOnly) {
    if (JSON.stringify(getProp(out, name)) !== JSON.stringify(getProp(resource, name))) {
      throw mutability(`"${name}" is read-only${name === 'groups' ? ': change memberships through the Groups endpoint' : ''}`);
    }
  }
  return out;
}

