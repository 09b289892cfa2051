import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScimError } from './errors.js';
import { matchesFilter, parseFilter, parsePatchPath, type Filter } from './filter.js';

const user = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: '42',
  externalId: 'AbC-1',
  userName: 'ada@example.com',
  name: { givenName: 'Ada', familyName: 'Lovelace' },
  displayName: 'Ada Lovelace',
  active: true,
  emails: [{ value: 'ada@example.com', type: 'work', primary: true }, { value: 'ada@home.example', type: 'home' }],
  meta: { resourceType: 'User', created: '2026-06-01T10:00:00Z', lastModified: '2026-06-02T10:00:00Z' },
};

const matches = (f: string) => matchesFilter(user, parseFilter(f), 'User');

/** The outcome of a parse: a filter, or the SCIM error type; anything else fails the property. */
function outcome(run: () => unknown, allowed: string[]): 'ok' | string {
  try {
    run();
    return 'ok';
  } catch (e) {
    if (e instanceof ScimError && e.status === 400 && e.scimType !== null && allowed.includes(e.scimType)) return e.scimType;
    throw e;
  }
}

describe('parseFilter + matchesFilter (RFC 7644 §3.4.2.2)', () => {
  it.each([
    ['userName eq "ADA@example.com"', true], // userName is case-insensitive (RFC 7643 §2.1)
    ['USERNAME Eq "ada@example.com"', true], // attribute names and operators too
    ['externalId eq "abc-1"', false], // externalId is case-exact
    ['externalId eq "AbC-1"', true],
    ['id eq "42"', true],
    ['userName ne "x@y.z"', true],
    ['userName co "EXAMPLE"', true],
    ['userName sw "ada@"', true],
    ['userName ew ".com"', true],
    ['name.givenName eq "ada"', true],
    ['urn:ietf:params:scim:schemas:core:2.0:User:name.familyName eq "Lovelace"', true],
    ['title pr', false],
    ['displayName pr', true],
    ['active eq true', true],
    ['active eq "True"', true], // Entra ID's string booleans
    ['active eq false', false],
    ['emails co "home.example"', true], // multi-valued complex: compares "value"
    ['emails[type eq "work" and value co "@example.com"]', true],
    ['emails[type eq "other"]', false],
    ['emails[type eq "home"].value ew "home.example"', true],
    ['emails.type eq "home"', true],
    ['meta.lastModified gt "2026-06-01T12:00:00Z"', true],
    ['meta.lastModified lt "2026-06-01T12:00:00Z"', false],
    ['meta.created ge "2026-06-01T10:00:00.000Z"', true],
    ['userName eq "x" or userName eq "ada@example.com"', true],
    ['userName eq "x" or userName eq "y" and active eq true', false], // and binds tighter
    ['(userName eq "x" or userName eq "ada@example.com") and active eq true', true],
    ['not (userName eq "x")', true],
    ['not(userName eq "ada@example.com")', false],
    ['userName eq "a\\"b"', false], // escaped quote inside a string
    ['a eq "b" and (c eq "d" or (e eq "f"))', false], // nested parentheses
    ['nickName eq null', true],
    ['userName gt "a"', true],
  ])('%s → %s', (filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });

  it.each([
    ['', 'empty filter'],
    ['userName eq', 'expected a value'],
    ['userName', 'expected an operator'],
    ['userName like "x"', 'unknown operator'],
    ['(userName eq "x"', 'expected ")"'],
    ['userName eq "x")', 'unexpected ")"'],
    ['userName eq "x" and', 'unexpected end'],
    ['" eq 1', 'invalid string'],
    ['emails[type eq "work"', 'expected "]"'],
    ['emails[type eq "work"]]', 'unexpected "]"'],
    ['1abc eq 1', 'unexpected character'],
    ['a.b.c eq 1', 'not an attribute path'],
    ['userName eq "x" userName', 'unexpected "userName"'],
  ])('%j is invalidFilter (%s)', (filter, message) => {
    const e = (() => {
      try {
        parseFilter(filter);
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(ScimError);
    expect(e).toMatchObject({ status: 400, scimType: 'invalidFilter' });
    expect((e as Error).message).toContain(message);
  });

  it('refuses ordering on booleans as invalidFilter', () => {
    expect(() => matches('active gt true')).toThrow(expect.objectContaining({ scimType: 'invalidFilter' }));
  });

  it('parses twenty and-ed or-groups in linear time (no normal-form expansion)', () => {
    const f = Array.from({ length: 20 }, (_, i) => `(a${i} eq ${i} or b${i} eq "${i}")`).join(' and ');
    const t0 = performance.now();
    parseFilter(f);
    expect(performance.now() - t0).toBeLessThan(50);
  });

  it('bounds nesting and length', () => {
    expect(() => parseFilter(`${'('.repeat(100)}a eq 1${')'.repeat(100)}`)).toThrow(/nested deeper/);
    expect(() => parseFilter(`a eq "${'x'.repeat(5000)}"`)).toThrow(/longer than/);
  });
});

describe('parsePatchPath (RFC 7644 §3.5.2)', () => {
  it.each([
    ['active', { attr: 'active' }],
    ['name.givenName', { attr: 'name', sub: 'givenName' }],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber', { uri: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', attr: 'employeeNumber' }],
    ['members[value eq "7"]', { attr: 'members' }],
    ['emails[type eq "work"].value', { attr: 'emails', sub: 'value' }],
  ])('%s', (path, expected) => {
    expect(parsePatchPath(path)).toMatchObject(expected);
  });

  it.each(['', 'name..givenName', 'emails[type eq "work"].', 'emails[type eq "work"]x', 'name.givenName[value eq "x"]'])('%j is invalidPath', (path) => {
    expect(() => parsePatchPath(path)).toThrow(expect.objectContaining({ scimType: 'invalidPath' }));
  });
});

// Property tests: whatever arrives in `?filter=`, the answer is a result or a 400 invalidFilter.
describe('filter parser properties (fast-check)', () => {
  const fragments = fc.constantFrom(
    'userName', 'emails', 'name.givenName', 'meta.lastModified', 'urn:ietf:params:scim:schemas:core:2.0:User:userName', 'members',
    ' eq ', ' ne ', ' co ', ' sw ', ' ew ', ' gt ', ' ge ', ' lt ', ' le ', ' pr', ' and ', ' or ', 'not ', ' not',
    '(', ')', '[', ']', '.', '.value', '"', '"x"', '"a\\"b"', '"\\u00e9"', '\\', '1', '-2.5e3', 'true', 'false', 'null', ' ', ':', '$ref',
  );
  const filterish = fc.array(fragments, { maxLength: 30 }).map((parts) => parts.join(''));

  const assertTotal = (text: string) => {
    const r = outcome(() => {
      const f = parseFilter(text);
      // Evaluating a parsed filter may refuse it (ordering on booleans) but never crashes.
      matchesFilter(user, f, 'User');
      matchesFilter({ id: '1', displayName: 'G', members: [{ value: '1' }] }, f, 'Group');
    }, ['invalidFilter']);
    expect(['ok', 'invalidFilter']).toContain(r);
  };

  it('random strings never crash', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), assertTotal), { numRuns: 2000 });
  });

  it('random unicode strings never crash', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 100 }), assertTotal), { numRuns: 1000 });
  });

  it('random filter-like token soups never crash', () => {
    fc.assert(fc.property(filterish, assertTotal), { numRuns: 3000 });
  });

  it('random PATCH paths give a path or a 400 invalidPath / invalidFilter', () => {
    fc.assert(
      fc.property(fc.oneof(filterish, fc.string({ maxLength: 80 })), (text) => {
        expect(['ok', 'invalidPath', 'invalidFilter']).toContain(outcome(() => parsePatchPath(text), ['invalidPath', 'invalidFilter']));
      }),
      { numRuns: 2000 },
    );
  });

  // Generated well-formed filters print and parse back to the same tree.
  const attrName = fc.constantFrom('userName', 'displayName', 'name.givenName', 'emails.value', 'active', 'externalId');
  const compValue = fc.oneof(fc.string({ maxLength: 10 }), fc.integer({ min: -1000, max: 1000 }), fc.boolean(), fc.constant(null));
  const { filter: filterArb } = fc.letrec<{ filter: Filter }>((tie) => ({
    filter: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.record({ op: fc.constant('pr' as const), path: attrName.map(toPath) }),
      fc.record({ op: fc.constant('compare' as const), path: attrName.map(toPath), comparator: fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le' as const), value: compValue }),
      fc.record({ op: fc.constantFrom('and' as const, 'or' as const), left: tie('filter'), right: tie('filter') }),
      fc.record({ op: fc.constant('not' as const), filter: tie('filter') }),
    ) as fc.Arbitrary<Filter>,
  }));

  it('print → parse is the identity on well-formed filters', () => {
    fc.assert(fc.property(filterArb, (f) => {
      expect(parseFilter(print(f))).toEqual(f);
    }), { numRuns: 1000 });
  });
});

function toPath(name: string) {
  const [attr, sub] = name.split('.');
  return { attr: attr!, ...(sub !== undefined ? { sub } : {}) };
}

/** Prints a filter fully parenthesised (so that precedence never matters). */
function print(f: Filter): string {
  const p = (x: { attr: string; sub?: string }) => (x.sub ? `${x.attr}.${x.sub}` : x.attr);
  switch (f.op) {
    case 'pr': return `${p(f.path)} pr`;
    case 'compare': return `${p(f.path)} ${f.comparator} ${JSON.stringify(f.value)}`;
    case 'and':
    case 'or': return `(${print(f.left)}) ${f.op} (${print(f.right)})`;
    case 'not': return `not (${print(f.filter)})`;
    case 'valuePath': return `${p(f.path)}[${print(f.filter)}]`;
  }
}
