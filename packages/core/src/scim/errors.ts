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

/** Deepest nesting of a SCIM request body (SPEC §7); real identity providers send 4 or 5 levels. */
export const MAX_BODY_DEPTH = 32;

/**
 * invalidSyntax when `body` nests objects or arrays deeper than `max` levels. Iterative, so that
 * a hostile body cannot exhaust the stack here or in what would process it after.
 */
export function checkBodyDepth(body: unknown, max = MAX_BODY_DEPTH): void {
  const stack: Array<[unknown, number]> = [[body, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > max) throw invalidSyntax(`The body nests deeper than ${max} levels`);
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
}
