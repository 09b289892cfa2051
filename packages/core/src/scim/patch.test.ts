import { describe, expect, it } from 'vitest';
import { applyPatch, parsePatchBody } from './patch.js';
import { PATCH_OP } from './schemas.js';

const user = () => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: '7',
  userName: 'ada@example.com',
  name: { givenName: 'Ada', familyName: 'Lovelace' },
  active: true,
  emails: [{ value: 'ada@example.com', type: 'work', primary: true }],
  groups: [{ value: '1', display: 'Public' }],
});
const group = () => ({ id: '3', displayName: 'Eng', members: [{ value: '1' }, { value: '2' }, { value: '3' }] });

const patchUser = (...ops: unknown[]) => applyPatch(user(), parsePatchBody({ schemas: [PATCH_OP], Operations: ops }), 'User', ['id', 'meta', 'groups']);
const patchGroup = (...ops: unknown[]) => applyPatch(group(), parsePatchBody({ schemas: [PATCH_OP], Operations: ops }), 'Group', ['id', 'meta']);

describe('applyPatch (RFC 7644 §3.5.2 and what identity providers send)', () => {
  it('capitalised ops and string booleans pass through (the reader converts "False")', () => {
    expect(patchUser({ op: 'Replace', path: 'active', value: 'False' }).active).toBe('False');
  });

  it('replace of a complex attribute merges its sub-attributes', () => {
    expect(patchUser({ op: 'replace', path: 'name', value: { familyName: 'Byron' } }).name).toEqual({ givenName: 'Ada', familyName: 'Byron' });
  });

  it('no-path values: dotted keys, filtered keys, the core schema URN and extension objects', () => {
    const out = patchUser({
      op: 'replace',
      value: {
        'name.givenName': 'Augusta',
        'emails[type eq "work"].value': 'augusta@example.com',
        'urn:ietf:params:scim:schemas:core:2.0:User': { displayName: 'Augusta Ada' },
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Math' },
      },
    });
    expect(out).toMatchObject({
      name: { givenName: 'Augusta', familyName: 'Lovelace' },
      emails: [{ value: 'augusta@example.com', type: 'work', primary: true }],
      displayName: 'Augusta Ada',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Math' },
    });
  });

  it('attribute names are case-insensitive and keep the stored spelling', () => {
    const out = patchUser({ op: 'replace', path: 'NAME.GIVENNAME', value: 'X' }, { op: 'replace', path: 'Active', value: false });
    expect(out.name).toEqual({ givenName: 'X', familyName: 'Lovelace' });
    expect(out.active).toBe(false);
  });

  it('add through a value filter that matches nothing creates the value it describes (Entra ID)', () => {
    expect(patchUser({ op: 'Add', path: 'emails[type eq "home"].value', value: 'h@example.com' }).emails).toEqual([
      { value: 'ada@example.com', type: 'work', primary: true },
      { type: 'home', value: 'h@example.com' },
    ]);
  });

  it('members: add without duplicates, remove by filter, by value list (Entra ID), replace all', () => {
    const ids = (g: Record<string, unknown>) => ((g.members ?? []) as Array<{ value: string }>).map((m) => m.value);
    expect(ids(patchGroup({ op: 'add', path: 'members', value: [{ value: '2' }, { value: '4' }] }))).toEqual(['1', '2', '3', '4']);
    expect(ids(patchGroup({ op: 'remove', path: 'members[value eq "2"]' }))).toEqual(['1', '3']);
    expect(ids(patchGroup({ op: 'Remove', path: 'members', value: [{ value: '1' }, { value: '3' }] }))).toEqual(['2']);
    expect(ids(patchGroup({ op: 'remove', path: 'members' }))).toEqual([]);
    expect(ids(patchGroup({ op: 'replace', path: 'members', value: [{ value: '9' }] }))).toEqual(['9']);
    expect(ids(patchGroup({ op: 'remove', path: 'members[value eq "2" or value eq "3"]' }))).toEqual(['1']);
  });

  it('read-only attributes: unchanged values pass (Okta sends the id), changed ones are refused', () => {
    expect(patchGroup({ op: 'replace', value: { id: '3', displayName: 'Eng 2' } }).displayName).toBe('Eng 2');
    expect(() => patchGroup({ op: 'replace', value: { id: '4' } })).toThrow(expect.objectContaining({ scimType: 'mutability' }));
    expect(() => patchUser({ op: 'remove', path: 'groups' })).toThrow(expect.objectContaining({ scimType: 'mutability' }));
  });

  it('refuses malformed PatchOp bodies', () => {
    const bad: Array<[unknown, string]> = [
      [null, 'invalidSyntax'],
      [{ schemas: ['urn:other'], Operations: [{ op: 'add', path: 'a', value: 1 }] }, 'invalidSyntax'],
      [{ Operations: [] }, 'invalidSyntax'],
      [{ Operations: [{ op: 'copy', path: 'a' }] }, 'invalidSyntax'],
      [{ Operations: [{ op: 'add', path: 'a' }] }, 'invalidSyntax'],
      [{ Operations: [{ op: 'add', value: 'scalar' }] }, 'invalidSyntax'],
      [{ Operations: [{ op: 'remove' }] }, 'noTarget'],
      [{ Operations: [{ op: 'remove', path: 'members[value eq ]' }] }, 'invalidFilter'],
    ];
    for (const [body, scimType] of bad) expect(() => parsePatchBody(body), JSON.stringify(body)).toThrow(expect.objectContaining({ scimType }));
  });
});
