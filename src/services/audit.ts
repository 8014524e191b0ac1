import type { AuditAction, AuditDetailsByAction, AuditTarget } from '../domain/audit-events.ts';
import type { Store } from '../store/index.ts';
import type { AuditEvent, AuditFilter, NewAuditEvent } from '../store/repos/audit.repo.ts';
import type { ServiceObserver } from '../observability/service-observer.ts';

/** Who did something and from where. */
export interface Actor {
  id: string | null;
  email: string | null;
  ip: string | null;
}

/** A page of the audit trail, optionally filtered (about or by one id, actions, result, text). */
export interface AuditQuery extends AuditFilter {
  page: number;
  pageSize: number;
}

/**
 * The audit trail. Services record what they did; the admin pages and API read it. Never records
 * secrets: callers pass ids and labels only, and only the actions of `AuditDetailsByAction`.
 * The `observer` sees each event as it is recorded: the one place sign-in attempts and 2FA
 * changes become log lines and metrics (src/observability/service-observer.ts).
 */
export function auditTrail(store: Store, observer?: Pick<ServiceObserver, 'audited'>) {
  return {
    /** Appends one event; `details` are typed per action (src/domain/audit-events.ts). */
    async record<A extends AuditAction>(
      actor: Actor,
      action: A,
      target: AuditTarget | null,
      result: 'success' | 'failure' = 'success',
      details: AuditDetailsByAction[A] | null = null,
    ): Promise<void> {
      const event: NewAuditEvent = {
        actorId: actor.id,
        actorEmail: actor.email,
        ip: actor.ip,
        action,
        targetType: target?.type ?? null,
        targetId: target?.id ?? null,
        targetLabel: target?.label ?? null,
        result,
        details,
      };
      // Observed first: a failing database must not hide the attempt from logs and metrics.
      observer?.audited(event);
      await store.audit.record(event);
    },

    /** Newest first, only the events matching every condition of `query`. */
    async list(query: AuditQuery): Promise<{ items: AuditEvent[]; total: number }> {
      return store.audit.list(query);
    },
  };
}

export type AuditTrail = ReturnType<typeof auditTrail>;
