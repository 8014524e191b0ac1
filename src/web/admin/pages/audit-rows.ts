import type { AuditEvent } from '../../../store/repos/audit.repo.ts';
import { auditActorLabel, auditEventLabel } from '../audit-labels.ts';

/** Where an audit event's target can be opened, by kind of target. */
const TARGET_PAGES: Record<string, string> = {
  user: '/admin/users/',
  role: '/admin/roles/',
  group: '/admin/groups/',
};

/** One line of an audit table, in the words and links the page shows. */
export interface AuditRow {
  at: Date;
  /** The moment as ISO 8601, for `<time datetime>`. */
  iso: string;
  actor: string;
  label: string;
  /** The stored action code, shown beside the label so admins can still search for it. */
  code: string;
  target: { label: string; href: string | null } | null;
  result: 'success' | 'failure';
  ip: string;
}

function targetOf(event: AuditEvent): AuditRow['target'] {
  const label = event.targetLabel || event.targetId || '';
  if (!label) return null;
  const page = event.targetType ? TARGET_PAGES[event.targetType] : undefined;
  // A refused password for an email without an account keeps the typed email and no id.
  const href = page && event.targetId ? `${page}${encodeURIComponent(event.targetId)}` : null;
  return { label, href };
}

/**
 * The audit table's lines: who did what to whom in words, with the raw action code kept, and
 * the target linked to its page when it names a user, role or group.
 */
export function auditRows(events: readonly AuditEvent[]): AuditRow[] {
  return events.map((event) => ({
    at: event.at,
    iso: event.at.toISOString(),
    actor: auditActorLabel(event),
    label: auditEventLabel(event),
    code: event.action,
    target: targetOf(event),
    result: event.result,
    ip: event.ip ?? '',
  }));
}
