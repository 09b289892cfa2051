/*
 * Compile-time proof that the SDK's hand-written wire types are the server's schemas
 * (checked by `tsc -p tsconfig.conformance.json`, which sdk tests run). Not built, not shipped.
 */
import type { Static } from 'typebox';
import type {
  AuditEventSchema, ConnectionSchema, CreatedTokenSchema, DatastoreSchema, ErrorSchema, TeamMemberSchema, TeamSchema, TokenSchema, UserRefSchema, UserSchema,
} from '../../server/src/http/wire.js';
import type { IntrospectionSchema } from '../../server/src/routes/introspect.js';
import type * as Sdk from './types.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Also accepts mutual assignability, for optional-vs-undefined differences TypeBox may introduce. */
type Same<A, B> = Equal<A, B> extends true ? true : [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same = <_T extends true>(): void => {};

same<Same<Sdk.UserRef, Static<typeof UserRefSchema>>>();
same<Same<Sdk.User, Static<typeof UserSchema>>>();
same<Same<Sdk.Token, Static<typeof TokenSchema>>>();
same<Same<Sdk.CreatedToken, Static<typeof CreatedTokenSchema>>>();
same<Same<Sdk.Team, Static<typeof TeamSchema>>>();
same<Same<Sdk.TeamMember, Static<typeof TeamMemberSchema>>>();
same<Same<Sdk.Datastore, Static<typeof DatastoreSchema>>>();
same<Same<Sdk.Connection, Static<typeof ConnectionSchema>>>();
same<Same<Sdk.AuditEvent, Static<typeof AuditEventSchema>>>();
same<Same<Sdk.ErrorBody, Static<typeof ErrorSchema>>>();
same<Same<Sdk.Introspection, Static<typeof IntrospectionSchema>>>();
