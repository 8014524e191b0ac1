import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

const totpSchema = new Schema(
  {
    secret: { type: String, required: true },
    enrollmentId: { type: String, required: true },
    enabledAt: { type: Date, required: true },
    lastUsedStep: { type: Number, default: null },
  },
  { _id: false },
);

const pendingTotpSchema = new Schema(
  {
    secret: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { _id: false },
);

const userSchema = new Schema(
  {
    email: { type: String, required: true, lowercase: true, trim: true, unique: true },
    name: { type: String, default: '' },
    passwordHash: { type: String, required: true },
    passwordChangedAt: { type: Date, default: () => new Date() },
    disabled: { type: Boolean, default: false },
    roleIds: { type: [Schema.Types.ObjectId], default: [] },
    groupIds: { type: [Schema.Types.ObjectId], default: [] },
    totp: { type: totpSchema, default: null },
    pendingTotp: { type: pendingTotpSchema, default: null },
    recoveryCodeHashes: { type: [String], default: [] },
    otpFailures: { type: Number, default: 0 },
    otpLockedUntil: { type: Date, default: null },
    sessionEpoch: { type: Number, default: 0 },
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
