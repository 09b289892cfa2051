import type { AuditEvent, Store } from '@gatehouse/core';
import { auditEventToWire } from './http/wire.js';

const PAGE = 1000;

/**
 * GATEHOUSE_AUDIT_STDOUT (SPEC §10): every audit event, once committed, as one JSON line on
 * stdout for a SIEM, oldest first. It follows the audit table rather than the code paths that
 * write it (changes, authentication failures, usage's new clients, on every node), so the
 * process that has it on writes every event of the database exactly once, whichever node made
 * it; the events written before it started are not repeated.
 */
export class AuditStdout {
  #lastId: number | undefined;

  constructor(
    private readonly audit: Store['audit'],
    private readonly write: (line: string) => void = (line) => void process.stdout.write(line),
  ) {}

  /** Writes the events committed since the last call (the first call only remembers where the log ends). */
  async follow(): Promise<void> {
    if (this.#lastId === undefined) {
      this.#lastId = (await this.audit.list({ offset: 0, limit: 1 })).items[0]?.id ?? 0;
      return;
    }
    const fresh: AuditEvent[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const page = await this.audit.list({ afterId: this.#lastId, offset, limit: PAGE });
      fresh.push(...page.items);
      if (page.items.length < PAGE) break;
    }
    if (fresh.length === 0) return;
    fresh.sort((a, b) => a.id - b.id);
    this.write(fresh.map((e) => `${JSON.stringify({ type: 'audit', ...auditEventToWire(e) })}\n`).join(''));
    this.#lastId = fresh.at(-1)!.id;
  }
}
