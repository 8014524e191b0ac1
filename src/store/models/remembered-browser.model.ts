import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

const rememberedBrowserSchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, required: true, index: true },
    tokenHash: { type: String, required: true, unique: true },
    enrollmentId: { type: String, required: true },
    label: { type: String, default: 'Unknown browser' },
    lastUsedAt: { type: Date, default: () => new Date() },
    expiresAt: { type: Date, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false }, collection: 'remembered_browsers' },
);

export type RememberedBrowserDoc = InferSchemaType<typeof rememberedBrowserSchema>;

/** The `remembered_browsers` collection: only SHA-256 hashes of browser tokens are stored. */
export function rememberedBrowserModel(connection: Connection): Model<RememberedBrowserDoc> {
  return (
    (connection.models.RememberedBrowser as Model<RememberedBrowserDoc>) ??
    connection.model('RememberedBrowser', rememberedBrowserSchema)
  );
}
