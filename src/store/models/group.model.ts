import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

const groupSchema = new Schema(
  {
    name: { type: String, required: true, trim: true, unique: true },
    roleIds: { type: [Schema.Types.ObjectId], default: [] },
  },
  { timestamps: true, collection: 'groups' },
);
groupSchema.index({ roleIds: 1 });

export type GroupDoc = InferSchemaType<typeof groupSchema>;

/** The `groups` collection. */
export function groupModel(connection: Connection): Model<GroupDoc> {
  return (connection.models.Group as Model<GroupDoc>) ?? connection.model('Group', groupSchema);
}
