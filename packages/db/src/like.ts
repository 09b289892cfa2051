import { sql, type RawBuilder } from 'kysely';
import type { DialectTraits } from './dialect.js';

/** `part` as a LIKE pattern that matches it anywhere, its `%`, `_` and `\` taken literally. */
export const containsPattern = (part: string): string => `%${part.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** `column` contains `part`, without regard to case (ASCII on SQLite). */
export function containsIgnoringCase(traits: DialectTraits, column: string, part: string): RawBuilder<boolean> {
  return sql<boolean>`${sql.ref(column)} ${sql.raw(traits.ilike)} ${containsPattern(part)} escape '\\'`;
}
