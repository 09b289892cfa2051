import type { OutboxEntry } from '@gatehouse/core';
import { CompiledQuery, type Kysely } from 'kysely';
import type { DialectTraits } from './dialect.js';
import type { Database } from './schema.js';

/*
 * The outbox's fan-out, shared by WebhookStore.enqueue and the token issuance path (which
 * writes through prepared statements on SQLite): one INSERT … SELECT per event writes a pending
 * delivery for each active endpoint subscribed to the event's type, in the caller's transaction.
 * With no endpoint subscribed it writes nothing, at the cost of one indexless scan of a tiny table.
 *
 * `events` is a JSON array of names from a fixed list (validated on save), so a LIKE on the
 * quoted name matches exactly that name (the `_` in some names could match another character,
 * but no two event names differ only there).
 */
function fanOutSql(traits: DialectTraits): string {
  const ts = traits.name === 'postgres' ? 'timestamptz' : 'text';
  return `INSERT INTO webhook_deliveries (endpoint_id, message_id, event_type, payload, status, attempts, next_attempt_at, created)
    SELECT id, CAST(? AS text), CAST(? AS text), CAST(? AS text), 'pending', 0, CAST(? AS ${ts}), CAST(? AS ${ts})
      FROM webhook_endpoints WHERE active = ? AND (events LIKE '%"*"%' OR events LIKE CAST(? AS text))`;
}

const FAN_OUT = new Map<string, string>();

/** The statement and parameters (for RunStatement or a raw query) of one entry's fan-out. */
export function fanOut(traits: DialectTraits, entry: OutboxEntry, at: Date): [sql: string, params: unknown[]] {
  let text = FAN_OUT.get(traits.name);
  if (!text) FAN_OUT.set(traits.name, (text = fanOutSql(traits)));
  const time = traits.time(at);
  return [text, [entry.messageId, entry.type, entry.payload, time, time, traits.bool(true), `%"${entry.type}"%`]];
}

/** Writes the entries' deliveries through the query builder (inside the caller's transaction when `db` is one). */
export async function enqueueOn(db: Kysely<Database>, traits: DialectTraits, entries: readonly OutboxEntry[], at: Date): Promise<void> {
  for (const entry of entries) {
    const [text, params] = fanOut(traits, entry, at);
    let n = 0;
    await db.executeQuery(CompiledQuery.raw(traits.name === 'postgres' ? text.replace(/\?/g, () => `$${++n}`) : text, params));
  }
}
