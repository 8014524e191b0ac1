import type { Connection } from 'mongoose';
import { auditEventModel } from '../models/audit-event.model.ts';
import { escapeRegExp } from './ids.ts';

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

/** Which events a page of the trail shows; every condition is optional and all must hold. */
export interface AuditFilter {
  /** Events about this id, or made by it. */
  targetId?: string;
  /** Only these actions. */
  actions?: readonly string[];
  result?: 'success' | 'failure';
  /** Part of the actor's email or of the target's label (a user's email), any case. */
  search?: string;
}

/**
 * The database filter for an `AuditFilter`. Plain equality, `$in` and one escaped regex: every
 * server answers it, and the page is bounded by `skip`/`limit` (on FerretDB, which pushes down
 * only `{_id}`, the audit pages scan like every admin list; on MongoDB `at` and `targetId` are
 * indexed).
 */
function queryOf(filter: AuditFilter): Record<string, unknown> {
  const conditions: Record<string, unknown>[] = [];
  if (filter.targetId) {
    conditions.push({ $or: [{ targetId: filter.targetId }, { actorId: filter.targetId }] });
  }
  if (filter.actions) conditions.push({ action: { $in: [...filter.actions] } });
  if (filter.result) conditions.push({ result: filter.result });
  if (filter.search) {
    const pattern = { $regex: escapeRegExp(filter.search), $options: 'i' };
    conditions.push({ $or: [{ actorEmail: pattern }, { targetLabel: pattern }] });
  }
  if (conditions.length === 0) return {};
  return conditions.length === 1 ? (conditions[0] ?? {}) : { $and: conditions };
}

/** Audit trail repository: append and read, never update. */
export function auditRepository(connection: Connection) {
  const Events = auditEventModel(connection);
  return {
    async record(event: NewAuditEvent): Promise<void> {
      await Events.create(event);
    },
    /** A page of the events matching `query`, newest first, and how many match in all. */
    async list(
      query: AuditFilter & { page: number; pageSize: number },
    ): Promise<{ items: AuditEvent[]; total: number }> {
      const filter = queryOf(query);
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
