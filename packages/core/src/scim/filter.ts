import { invalidFilter, invalidPath } from './errors.js';
import { CORE_SCHEMA, findAttribute, type ResourceKind } from './schemas.js';

/*
 * SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2), parsed by recursive descent into a
 * small AST and evaluated over the SCIM JSON of a resource. Hand-written rather than scimmy's
 * (1.3.5): its regular-expression lexer rejects nested parentheses and escaped quotes, accepts
 * `a eq` without a value, throws a TypeError on some inputs, expands filters into disjunctive
 * normal form (exponential: twenty and-ed or-groups overflow the stack) and compares strings
 * case-sensitively whatever the schema says.
 *
 * Every malformed input is a ScimError `invalidFilter` (`invalidPath` for PATCH paths): never
 * another exception.
 */

export type Comparator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type CompValue = string | number | boolean | null;

/** `[uri:]attr[.sub]`: `uri` only when the path named a schema. */
export interface AttrPath {
  uri?: string;
  attr: string;
  sub?: string;
}

export type Filter =
  | { op: 'and' | 'or'; left: Filter; right: Filter }
  | { op: 'not'; filter: Filter }
  | { op: 'pr'; path: AttrPath }
  | { op: 'compare'; path: AttrPath; comparator: Comparator; value: CompValue }
  /** `attr[filter]`: some value of the multi-valued `attr` matches `filter`. */
  | { op: 'valuePath'; path: AttrPath; filter: Filter };

/** A PATCH path: `attr`, `attr.sub`, `attr[filter]` or `attr[filter].sub`. */
export interface PatchPath {
  uri?: string;
  attr: string;
  filter?: Filter;
  sub?: string;
}

/** Longest filter accepted, and deepest nesting: bounds the work a request can cause. */
export const MAX_FILTER_LENGTH = 4096;
const MAX_DEPTH = 32;

const COMPARATORS = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);

type Token =
  | { t: '(' | ')' | '[' | ']'; at: number }
  | { t: 'word'; v: string; at: number }
  | { t: 'sub'; v: string; at: number }
  | { t: 'value'; v: CompValue; at: number };

// ATTRNAME = ALPHA *(nameChar), with an optional URN prefix ("urn:…:User:name.givenName"); `$ref` too.
const WORD = /[A-Za-z$][A-Za-z0-9_$:.\-]*/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?(?![A-Za-z0-9_.])/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const SUBATTR = /\.([A-Za-z$][A-Za-z0-9_\-$]*)/y;

function tokenize(text: string, fail: (m: string) => Error): Token[] {
  const out: Token[] = [];
  let i = 0;
  const at = (re: RegExp) => {
    re.lastIndex = i;
    return re.exec(text);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === '[' || c === ']') {
      out.push({ t: c, at: i });
      i++;
      if (c === ']') {
        const m = at(SUBATTR);
        if (m) {
          out.push({ t: 'sub', v: m[1]!, at: i });
          i += m[0].length;
        }
      }
      continue;
    }
    if (c === '"') {
      const m = at(STRING);
      if (!m) throw fail(`unterminated or invalid string at position ${i + 1}`);
      out.push({ t: 'value', v: JSON.parse(m[0]) as string, at: i });
      i += m[0].length;
      continue;
    }
    const num = at(NUMBER);
    if (num) {
      out.push({ t: 'value', v: Number(num[0]), at: i });
      i += num[0].length;
      continue;
    }
    const w = at(WORD);
    if (w) {
      out.push({ t: 'word', v: w[0], at: i });
      i += w[0].length;
      continue;
    }
    throw fail(`unexpected character ${JSON.stringify(c)} at position ${i + 1}`);
  }
  return out;
}

/** Splits `urn:…:User:name.givenName` into its schema URI, attribute and sub-attribute. */
function splitAttrPath(word: string, fail: (m: string) => Error): AttrPath {
  let rest = word;
  let uri: string | undefined;
  const colon = word.lastIndexOf(':');
  if (colon >= 0) {
    uri = word.slice(0, colon);
    rest = word.slice(colon + 1);
    // "urn:…:2.0:User" itself names a schema; a dot inside its version is not a sub-attribute.
    if (!/^urn:/i.test(uri)) throw fail(`"${word}" is not an attribute path`);
  }
  const parts = rest.split('.');
  if (parts.length > 2 || parts.some((p) => !/^[A-Za-z$][A-Za-z0-9_\-$]*$/.test(p))) throw fail(`"${word}" is not an attribute path`);
  return { ...(uri !== undefined ? { uri } : {}), attr: parts[0]!, ...(parts[1] !== undefined ? { sub: parts[1] } : {}) };
}

class Parser {
  #i = 0;
  #depth = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly fail: (m: string) => Error,
  ) {}

  get done(): boolean {
    return this.#i >= this.tokens.length;
  }

  peek(): Token | undefined {
    return this.tokens[this.#i];
  }

  next(): Token | undefined {
    return this.tokens[this.#i++];
  }

  #keyword(tok: Token | undefined, kw: string): boolean {
    return tok?.t === 'word' && tok.v.toLowerCase() === kw;
  }

  #describe(tok: Token | undefined): string {
    if (!tok) return 'end of filter';
    if (tok.t === 'word' || tok.t === 'sub') return `"${tok.v}" at position ${tok.at + 1}`;
    if (tok.t === 'value') return `${JSON.stringify(tok.v)} at position ${tok.at + 1}`;
    return `"${tok.t}" at position ${tok.at + 1}`;
  }

  unexpected(tok: Token | undefined): Error {
    return this.fail(`unexpected ${this.#describe(tok)}`);
  }

  /** FILTER = term *("or" term), term = factor *("and" factor): "and" binds tighter (§3.4.2.2). */
  parseOr(): Filter {
    if (++this.#depth > MAX_DEPTH) throw this.fail(`nested deeper than ${MAX_DEPTH} levels`);
    let left = this.parseAnd();
    while (this.#keyword(this.peek(), 'or')) {
      this.next();
      left = { op: 'or', left, right: this.parseAnd() };
    }
    this.#depth--;
    return left;
  }

  parseAnd(): Filter {
    let left = this.parseFactor();
    while (this.#keyword(this.peek(), 'and')) {
      this.next();
      left = { op: 'and', left, right: this.parseFactor() };
    }
    return left;
  }

  parseFactor(): Filter {
    const tok = this.next();
    if (tok?.t === '(') {
      const inner = this.parseOr();
      this.expect(')');
      return inner;
    }
    if (this.#keyword(tok, 'not')) {
      const open = this.peek();
      // "not" applies to a parenthesised filter (RFC grammar); "not attrExp" is accepted too.
      if (open?.t === '(') {
        this.next();
        const inner = this.parseOr();
        this.expect(')');
        return { op: 'not', filter: inner };
      }
      if (++this.#depth > MAX_DEPTH) throw this.fail(`nested deeper than ${MAX_DEPTH} levels`);
      const inner = this.parseFactor();
      this.#depth--;
      return { op: 'not', filter: inner };
    }
    if (tok?.t !== 'word') throw this.unexpected(tok);
    const path = splitAttrPath(tok.v, this.fail);
    if (this.peek()?.t === '[') {
      if (path.sub !== undefined) throw this.fail(`a value filter cannot follow "${tok.v}"`);
      this.next();
      const inner = this.parseOr();
      this.expect(']');
      const sub = this.peek();
      if (sub?.t === 'sub') {
        // emails[type eq "work"].value eq "x": some value matching the filter has a matching sub-attribute.
        this.next();
        const cond = this.attrExp({ attr: sub.v });
        return { op: 'valuePath', path, filter: { op: 'and', left: inner, right: cond } };
      }
      return { op: 'valuePath', path, filter: inner };
    }
    return this.attrExp(path);
  }

  attrExp(path: AttrPath): Filter {
    const opTok = this.next();
    if (opTok?.t !== 'word') throw this.fail(`expected an operator after the attribute, found ${this.#describe(opTok)}`);
    const op = opTok.v.toLowerCase();
    if (op === 'pr') return { op: 'pr', path };
    if (!COMPARATORS.has(op)) throw this.fail(`unknown operator "${opTok.v}"`);
    const v = this.next();
    let value: CompValue;
    if (v?.t === 'value') value = v.v;
    else if (v?.t === 'word' && ['true', 'false', 'null'].includes(v.v.toLowerCase())) value = JSON.parse(v.v.toLowerCase()) as CompValue;
    else throw this.fail(`expected a value after "${opTok.v}", found ${this.#describe(v)}`);
    return { op: 'compare', path, comparator: op as Comparator, value };
  }

  expect(t: ')' | ']'): void {
    const tok = this.next();
    if (tok?.t !== t) throw this.fail(`expected "${t}", found ${this.#describe(tok)}`);
  }
}

/**
 * Parses a filter (the `filter` query parameter or a PATCH value selection).
 * @throws ScimError invalidFilter, whatever the input
 * @example parseFilter('userName eq "ada@example.com"')
 */
export function parseFilter(text: unknown): Filter {
  const fail = (m: string) => invalidFilter(`Invalid filter: ${m}`);
  if (typeof text !== 'string') throw fail('must be a string');
  if (text.length > MAX_FILTER_LENGTH) throw fail(`longer than ${MAX_FILTER_LENGTH} characters`);
  const p = new Parser(tokenize(text, fail), fail);
  if (p.done) throw fail('empty filter');
  const f = p.parseOr();
  if (!p.done) throw p.unexpected(p.peek());
  return f;
}

/**
 * Parses a PATCH `path` (RFC 7644 §3.5.2: `attrPath` / `valuePath [subAttr]`).
 * @throws ScimError invalidPath (invalidFilter for a bad value selection)
 */
export function parsePatchPath(text: unknown): PatchPath {
  const fail = (m: string) => invalidPath(`Invalid path: ${m}`);
  if (typeof text !== 'string' || text.trim() === '') throw fail('must be a non-empty string');
  if (text.length > MAX_FILTER_LENGTH) throw fail(`longer than ${MAX_FILTER_LENGTH} characters`);
  const open = text.indexOf('[');
  if (open < 0) {
    const p = splitAttrPath(text.trim(), fail);
    return p;
  }
  const close = text.lastIndexOf(']');
  if (close < open) throw fail('missing "]"');
  const head = splitAttrPath(text.slice(0, open).trim(), fail);
  if (head.sub !== undefined) throw fail('a value filter must follow a multi-valued attribute');
  const filter = parseFilter(text.slice(open + 1, close));
  const tail = text.slice(close + 1).trim();
  let sub: string | undefined;
  if (tail !== '') {
    const m = /^\.([A-Za-z$][A-Za-z0-9_\-$]*)$/.exec(tail);
    if (!m) throw fail(`unexpected "${tail}" after "]"`);
    sub = m[1];
  }
  return { ...head, filter, ...(sub !== undefined ? { sub } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Evaluation

type Json = unknown;

/** A property of a JSON object by case-insensitive name (attribute names are, RFC 7643 §2.1). */
export function getProp(obj: Json, name: string): Json {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const rec = obj as Record<string, Json>;
  if (name in rec) return rec[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(rec)) if (k.toLowerCase() === lower) return rec[k];
  return undefined;
}

/**
 * The object an attribute path addresses in a resource: the resource itself for its core schema
 * (or no URI), the extension object otherwise.
 */
export function scopeOf(resource: Json, kind: ResourceKind, uri: string | undefined): Json {
  if (uri === undefined || uri.toLowerCase() === CORE_SCHEMA[kind].toLowerCase()) return resource;
  return getProp(resource, uri);
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

interface Ctx {
  kind: ResourceKind;
  /** The multi-valued attribute inside whose value filter we are, if any. */
  parent?: string;
}

function compareOne(actual: Json, f: Extract<Filter, { op: 'compare' }>, caseExact: boolean, type: string | undefined): boolean {
  let expected = f.value;
  // Entra ID sends booleans as strings ("False").
  if (typeof actual === 'boolean' && typeof expected === 'string' && /^(true|false)$/i.test(expected)) expected = expected.toLowerCase() === 'true';
  if (actual === undefined || actual === null) {
    if (f.comparator === 'eq') return expected === null;
    if (f.comparator === 'ne') return expected !== null;
    return false;
  }
  if (typeof actual === 'boolean') {
    if (f.comparator === 'eq') return actual === expected;
    if (f.comparator === 'ne') return actual !== expected;
    // RFC 7644 §3.4.2.2: ordering or substring operators on a boolean are an invalid filter.
    throw invalidFilter(`Invalid filter: "${f.comparator}" cannot compare a boolean attribute`);
  }
  if (typeof actual === 'number') {
    if (typeof expected !== 'number') return f.comparator === 'ne';
    return ordered(actual, expected, f.comparator, () => String(actual).includes(String(expected)));
  }
  if (typeof actual !== 'string') return f.comparator === 'ne';
  if (typeof expected !== 'string') return f.comparator === 'ne';
  if (type === 'dateTime' && ['gt', 'ge', 'lt', 'le', 'eq', 'ne'].includes(f.comparator) && ISO_DATE.test(expected)) {
    const a = Date.parse(actual);
    const e = Date.parse(expected);
    if (!Number.isNaN(a) && !Number.isNaN(e)) return ordered(a, e, f.comparator, () => false);
  }
  const a = caseExact ? actual : actual.toLowerCase();
  const e = caseExact ? expected : expected.toLowerCase();
  switch (f.comparator) {
    case 'co':
      return a.includes(e);
    case 'sw':
      return a.startsWith(e);
    case 'ew':
      return a.endsWith(e);
    default:
      return ordered(a, e, f.comparator, () => false);
  }
}

function ordered<T extends string | number>(a: T, e: T, c: Comparator, contains: () => boolean): boolean {
  switch (c) {
    case 'eq': return a === e;
    case 'ne': return a !== e;
    case 'gt': return a > e;
    case 'ge': return a >= e;
    case 'lt': return a < e;
    case 'le': return a <= e;
    case 'co': return contains();
    default: return false;
  }
}

/** The values an attribute path reaches (several for multi-valued attributes), with its schema traits. */
function reach(resource: Json, path: AttrPath, ctx: Ctx): { values: Json[]; caseExact: boolean; type: string | undefined } {
  const scope = ctx.parent === undefined ? scopeOf(resource, ctx.kind, path.uri) : resource;
  const top = getProp(scope, path.attr);
  const def = ctx.parent === undefined ? findAttribute(ctx.kind, path.attr, path.sub) : findAttribute(ctx.kind, ctx.parent, path.attr);
  let values = Array.isArray(top) ? top : top === undefined ? [] : [top];
  let sub = path.sub;
  // A multi-valued complex attribute without a sub-attribute compares its "value" (RFC 7644 §3.4.2.2).
  if (sub === undefined && values.some((v) => v !== null && typeof v === 'object')) sub = 'value';
  let leafDef = def;
  if (sub !== undefined) {
    values = values.map((v) => getProp(v, sub)).filter((v) => v !== undefined);
    if (path.sub === undefined) leafDef = ctx.parent === undefined ? findAttribute(ctx.kind, path.attr, 'value') : def;
  }
  return { values, caseExact: leafDef?.caseExact ?? false, type: leafDef?.type };
}

function evaluate(resource: Json, f: Filter, ctx: Ctx): boolean {
  switch (f.op) {
    case 'and':
      return evaluate(resource, f.left, ctx) && evaluate(resource, f.right, ctx);
    case 'or':
      return evaluate(resource, f.left, ctx) || evaluate(resource, f.right, ctx);
    case 'not':
      return !evaluate(resource, f.filter, ctx);
    case 'pr': {
      const { values } = reach(resource, f.path, ctx);
      return values.some((v) => v !== null && v !== '' && !(Array.isArray(v) && v.length === 0));
    }
    case 'compare': {
      const { values, caseExact, type } = reach(resource, f.path, ctx);
      if (values.length === 0) return compareOne(undefined, f, caseExact, type);
      return f.comparator === 'ne'
        ? values.every((v) => compareOne(v, f, caseExact, type))
        : values.some((v) => compareOne(v, f, caseExact, type));
    }
    case 'valuePath': {
      if (ctx.parent !== undefined) throw invalidFilter('Invalid filter: value filters cannot be nested');
      const scope = scopeOf(resource, ctx.kind, f.path.uri);
      const top = getProp(scope, f.path.attr);
      const items = Array.isArray(top) ? top : top === undefined ? [] : [top];
      return items.some((item) => evaluate(item, f.filter, { kind: ctx.kind, parent: f.path.attr }));
    }
  }
}

/**
 * Whether a resource (its SCIM JSON) matches a filter, with the case rules of its schema
 * (RFC 7643 §2.1: `userName` is case-insensitive, `id` and `externalId` case-exact).
 */
export function matchesFilter(resource: Json, filter: Filter, kind: ResourceKind): boolean {
  return evaluate(resource, filter, { kind });
}

/** Whether one value of a multi-valued attribute matches a value selection filter (PATCH paths). */
export function matchesValueFilter(value: Json, filter: Filter, kind: ResourceKind, attr: string): boolean {
  return evaluate(value, filter, { kind, parent: attr });
}

/** `userName eq "x"`: the lookup every identity provider makes first, served by an index. */
export function simpleEquality(filter: Filter): { attr: string; value: string } | undefined {
  if (filter.op !== 'compare' || filter.comparator !== 'eq' || typeof filter.value !== 'string') return undefined;
  if (filter.path.sub !== undefined || filter.path.uri !== undefined) return undefined;
  return { attr: filter.path.attr.toLowerCase(), value: filter.value };
}
