import type { Connection } from 'mongoose';
import { auditEventModel } from '../models/audit-event.model.ts';

/** One line of the audit trail. */
export interface AuditEvent {
  id: string;
  at: Date;
  actorId: string | null;
  actorEmail: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  targetLabel: string | null;
  ip: string | null;
  result: 'success' | 'failure';
  details: Record<string, unknown> | null;
}

export type NewAuditEvent = Omit<AuditEvent, 'id' | 'at'>;

/** Audit trail repository: append and read, never update. */
export function auditRepository(connection: Connection) {
  const Events = auditEventModel(connection);
  return {
    async record(event: NewAuditEvent): Promise<void> {
      await Events.create(event);
    },
    async list(query: {
      targetId?: string;
      page: number;
      pageSize: number;
    }): Promise<{ items: AuditEvent[]; total: number }> {
      const filter = query.targetId
        ? { $or: [{ targetId: query.targetId }, { actorId: query.targetId }] }
        : {};
      const [docs, total] = await Promise.all([
        Events.find(filter)
          .sort({ at: -1 })
          .skip((query.page - 1) * query.pageSize)
          .limit(query.pageSize)
          .lean(),
        Events.countDocuments(filter),
      ]);
      const items = docs.map((d) => ({
        id: String(d._id),
        at: d.at,
        actorId: d.actorId ?? null,
        actorEmail: d.actorEmail ?? null,
        action: d.action,
        targetType: d.targetType ?? null,
        targetId: d.targetId ?? null,
        targetLabel: d.targetLabel ?? null,
        ip: d.ip ?? null,
        result: d.result as 'success' | 'failure',
        details: (d.details as Record<string, unknown> | null) ?? null,
      }));
      return { items, total };
    },
  };
}

export type AuditRepository = ReturnType<typeof auditRepository>;
