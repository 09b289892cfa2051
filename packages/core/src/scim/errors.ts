/**
 * SCIM protocol failures (RFC 7644 §3.12). Domain failures stay DomainErrors (NOT_FOUND,
 * USER_EXISTS, …); the SCIM plugin maps both to SCIM error bodies in one place.
 */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

export class ScimError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 413 | 501,
    readonly scimType: ScimType | null,
    message: string,
  ) {
    super(message);
    this.name = 'ScimError';
  }
}

export const invalidFilter = (message: string) => new ScimError(400, 'invalidFilter', message);
export const invalidValue = (message: string) => new ScimError(400, 'invalidValue', message);
export const invalidSyntax = (message: string) => new ScimError(400, 'invalidSyntax', message);
export const invalidPath = (message: string) => new ScimError(400, 'invalidPath', message);
export const noTarget = (message: string) => new ScimError(400, 'noTarget', message);
export const mutability = (message: string) => new ScimError(400, 'mutability', message);
