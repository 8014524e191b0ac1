import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

const auditEventSchema = new Schema(
  {
    at: { type: Date, default: () => new Date(), index: true },
    actorId: { type: String, default: null },
    actorEmail: { type: String, default: null },
    action: { type: String, required: true },
    targetType: { type: String, default: null },
    targetId: { type: String, default: null, index: true },
    targetLabel: { type: String, default: null },
    ip: { type: String, default: null },
    result: { type: String, enum: ['success', 'failure'], default: 'success' },
    details: { type: Schema.Types.Mixed, default: null },
  },
  { collection: 'audit_events' },
);

export type AuditEventDoc = InferSchemaType<typeof auditEventSchema>;

/** The `audit_events` collection: append-only record of who did what to whom. */
export function auditEventModel(connection: Connection): Model<AuditEventDoc> {
  return (
    (connection.models.AuditEvent as Model<AuditEventDoc>) ??
    connection.model('AuditEvent', auditEventSchema)
  );
}
