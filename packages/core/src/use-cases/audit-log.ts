import type { Actor } from '../auth/principal.js';
import type { Deps } from '../deps.js';
import type { AuditEvent, Page } from '../model.js';
import { requirePermission } from '../policies.js';
import type { AuditQuery } from '../ports.js';

export function listAuditEvents(deps: Deps, actor: Actor, query: AuditQuery): Promise<Page<AuditEvent>> {
  requirePermission(actor, 'readAuditLog', 'read the audit log');
  return deps.store.audit.list(query);
}
