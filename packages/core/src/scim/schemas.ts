/**
 * The SCIM schemas Gatehouse serves (RFC 7643 §4.1, §4.2, §7), restricted to the attributes it
 * stores. They are data: the discovery endpoints return them, and filters, PATCH and attribute
 * projection read case-exactness, types and mutability from them.
 */

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
export const SERVICE_PROVIDER_CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
export const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
export const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

export type AttributeType = 'string' | 'boolean' | 'dateTime' | 'reference' | 'complex' | 'integer';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';

export interface AttributeDef {
  name: string;
  type: AttributeType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: Mutability;
  returned: 'always' | 'never' | 'default' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  subAttributes?: AttributeDef[];
  referenceTypes?: string[];
  canonicalValues?: string[];
}

function attr(name: string, type: AttributeType, description: string, o: Partial<AttributeDef> = {}): AttributeDef {
  return {
    name, type, multiValued: false, description, required: false, caseExact: false,
    mutability: 'readWrite', returned: 'default', uniqueness: 'none', ...o,
  };
}

/** Common attributes of every resource (RFC 7643 §3.1); not part of a schema's attribute list. */
export const COMMON_ATTRIBUTES: AttributeDef[] = [
  attr('id', 'string', 'Unique identifier assigned by Gatehouse (the numeric id, as a string).', { caseExact: true, mutability: 'readOnly', returned: 'always', uniqueness: 'server' }),
  attr('externalId', 'string', "The identity provider's identifier for the resource.", { caseExact: true }),
  attr('meta', 'complex', 'Resource metadata.', {
    mutability: 'readOnly',
    subAttributes: [
      attr('resourceType', 'string', 'User or Group.', { caseExact: true, mutability: 'readOnly' }),
      attr('created', 'dateTime', 'When the resource was created.', { mutability: 'readOnly' }),
      attr('lastModified', 'dateTime', 'When the resource was last changed through SCIM (else its creation).', { mutability: 'readOnly' }),
      attr('location', 'reference', 'The URI of the resource.', { caseExact: true, mutability: 'readOnly' }),
    ],
  }),
];

const multiRef = (what: string, refTypes: string[], mutable: Mutability, types: string[]) =>
  [
    attr('value', 'string', `The id of the ${what}.`, { caseExact: true, mutability: mutable }),
    attr('$ref', 'reference', `The URI of the ${what}.`, { caseExact: true, mutability: mutable, referenceTypes: refTypes }),
    attr('display', 'string', `The display name of the ${what}.`, { mutability: 'readOnly' }),
    attr('type', 'string', 'The kind of reference.', { mutability: mutable, canonicalValues: types }),
  ];

export const USER_ATTRIBUTES: AttributeDef[] = [
  attr('userName', 'string', "Gatehouse's user_id: any non-empty string (an e-mail address or a plain user name), unique without regard to case.", { required: true, uniqueness: 'server' }),
  attr('name', 'complex', "The components of the user's name.", {
    subAttributes: [
      attr('formatted', 'string', 'The full name, as sent (never derived from the parts).'),
      attr('familyName', 'string', 'The family name.'),
      attr('givenName', 'string', 'The given name.'),
    ],
  }),
  attr('displayName', 'string', "The name shown in Gatehouse (the user's name)."),
  attr('active', 'boolean', 'false disables the user at once: sessions end and tokens stop working.'),
  attr('emails', 'complex', "The user's e-mail addresses, all kept; the primary one (else the first work one, else the first) is Gatehouse's e-mail.", {
    multiValued: true,
    subAttributes: [
      attr('value', 'string', 'The e-mail address.'),
      attr('type', 'string', 'work, home or other.', { canonicalValues: ['work', 'home', 'other'] }),
      attr('primary', 'boolean', 'The primary address.'),
      attr('display', 'string', 'A display value.'),
    ],
  }),
  attr('groups', 'complex', "The teams the user is in. Change membership through Groups.", {
    multiValued: true,
    mutability: 'readOnly',
    subAttributes: multiRef('group', ['Group'], 'readOnly', ['direct', 'indirect']),
  }),
];

export const GROUP_ATTRIBUTES: AttributeDef[] = [
  attr('displayName', 'string', 'The name of the team. Unique.', { required: true, uniqueness: 'server' }),
  attr('members', 'complex', 'The users in the team (service accounts are not listed and never removed through SCIM).', {
    multiValued: true,
    // RFC 7643 §8.7.1: members.type's canonical values are User and Group.
    subAttributes: multiRef('member', ['User', 'Group'], 'immutable', ['User', 'Group']),
  }),
];

export type ResourceKind = 'User' | 'Group';

export const CORE_SCHEMA: Record<ResourceKind, string> = { User: USER_SCHEMA, Group: GROUP_SCHEMA };
const ATTRIBUTES: Record<ResourceKind, AttributeDef[]> = { User: USER_ATTRIBUTES, Group: GROUP_ATTRIBUTES };

const eqName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The definition of `attr` (and `sub`) in a resource's schema, case-insensitively; undefined when unknown. */
export function findAttribute(kind: ResourceKind, attrName: string, sub?: string): AttributeDef | undefined {
  const top = [...COMMON_ATTRIBUTES, ...ATTRIBUTES[kind]].find((a) => eqName(a.name, attrName));
  if (!top || sub === undefined) return top;
  return top.subAttributes?.find((a) => eqName(a.name, sub));
}

/** The `Schemas` resource of a schema (RFC 7643 §7). */
export function schemaResource(kind: ResourceKind, baseUrl: string) {
  const id = CORE_SCHEMA[kind];
  return {
    schemas: [SCHEMA_SCHEMA],
    id,
    name: kind,
    description: kind === 'User' ? 'A Gatehouse user (Human)' : 'A Gatehouse team',
    attributes: ATTRIBUTES[kind],
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${id}` },
  };
}

export function resourceTypeResource(kind: ResourceKind, baseUrl: string) {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: kind,
    name: kind,
    endpoint: kind === 'User' ? '/Users' : '/Groups',
    description: kind === 'User' ? 'Users (humans; service accounts are not provisioned by SCIM)' : 'Groups (Gatehouse teams)',
    schema: CORE_SCHEMA[kind],
    schemaExtensions: [],
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${kind}` },
  };
}

/** Largest page a list answers (ServiceProviderConfig filter.maxResults). */
export const MAX_RESULTS = 200;

/** RFC 7643 §5. */
export function serviceProviderConfig(baseUrl: string, documentationUri?: string) {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
    ...(documentationUri ? { documentationUri } : {}),
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'A Gatehouse SCIM administration token (created by an Admin with "SCIM Administration Token" checked), sent as Authorization: Bearer <token>.',
        specUri: 'https://www.rfc-editor.org/info/rfc6750',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}
