import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

/**
 * `_id` is the SHA-256 of the browser's token, so recognising a browser at sign-in is an `_id`
 * read (docs/store.md); the token itself is never stored.
 */
const rememberedBrowserSchema = new Schema(
  {
    _id: { type: String, required: true },
    userId: { type: Schema.Types.ObjectId, required: true, index: true },
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
