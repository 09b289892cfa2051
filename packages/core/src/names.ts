import { invalidInput } from './errors.js';

/** A name as stored (tokens, users, teams, datastores, SCIM groups): trimmed, 1 to 100 characters. */
export function normaliseName(name: string, field = 'name'): string {
  const trimmed = name.trim();
  if (trimmed.length === 0) throw invalidInput(field, 'must not be empty');
  if (trimmed.length > 100) throw invalidInput(field, 'must be at most 100 characters');
  return trimmed;
}
