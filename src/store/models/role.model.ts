import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

const roleSchema = new Schema(
  {
    name: { type: String, required: true, trim: true, unique: true },
    enforce2fa: { type: Boolean, default: false },
    enforce2faGraceDays: { type: Number, default: 0, min: 0 },
    admin: { type: Boolean, default: false },
  },
  { timestamps: true, collection: 'roles' },
);

export type RoleDoc = InferSchemaType<typeof roleSchema>;

/** The `roles` collection. */
export function roleModel(connection: Connection): Model<RoleDoc> {
  return (connection.models.Role as Model<RoleDoc>) ?? connection.model('Role', roleSchema);
}
