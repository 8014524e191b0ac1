import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

const userSchema = new Schema(
  {
    email: { type: String, required: true, lowercase: true, trim: true, unique: true },
    name: { type: String, default: '' },
    passwordHash: { type: String, required: true },
    passwordChangedAt: { type: Date, default: () => new Date() },
    disabled: { type: Boolean, default: false },
    roleIds: { type: [Schema.Types.ObjectId], default: [] },
    groupIds: { type: [Schema.Types.ObjectId], default: [] },
    sessionEpoch: { type: Number, default: 0 },
    twoFactorOwedSince: { type: Date, default: null },
  },
  { timestamps: true, collection: 'users' },
);
userSchema.index({ roleIds: 1 });
userSchema.index({ groupIds: 1 });

export type UserDoc = InferSchemaType<typeof userSchema>;

/** The `users` collection. Only repositories in `store/` touch it. */
export function userModel(connection: Connection): Model<UserDoc> {
  return (connection.models.User as Model<UserDoc>) ?? connection.model('User', userSchema);
}
