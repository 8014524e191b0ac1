import type { Store } from '../store/index.ts';
import type { NewAuditEvent } from '../store/repos/audit.repo.ts';

/** Who did something and from where. */
export interface Actor {
  id: string | null;
  email: string | null;
  ip: string | null;
}

/** Writes the audit trail. Never records secrets: callers pass ids and labels only. */
export function auditTrail(store: Store) {
  return {
    async record(
      actor: Actor,
      action: string,
      target: { type: string; id: string; label?: string } | null,
      result: 'success' | 'failure' = 'success',
      details: Record<string, unknown> | null = null,
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
      await store.audit.record(event);
    },
  };
}

export type AuditTrail = ReturnType<typeof auditTrail>;
