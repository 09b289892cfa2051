import type { Actor } from '../auth/principal.js';
import type { Deps } from '../deps.js';
import type { AuditEvent } from '../model.js';
import type { ListPage } from '../listing.js';
import { requirePermission } from '../policies.js';
import type { AuditQuery } from '../ports.js';

export function listAuditEvents(deps: Deps, actor: Actor, query: AuditQuery): Promise<ListPage<AuditEvent>> {
  requirePermission(actor, 'readAuditLog', 'read the audit log');
  return deps.store.audit.list(query);
}
