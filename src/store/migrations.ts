import type { mongo } from 'mongoose';

const DONE = 'factors_moved_out_of_users';

interface LegacyUser {
  _id: unknown;
  totp?: {
    secret: string;
    enrollmentId: string;
    enabledAt: Date;
    lastUsedStep?: number | null;
  } | null;
}

/**
 * Moves authenticator secrets that earlier versions kept on the user record into `credentials`
 * (same sealed secret: it is bound to the user id, which does not change), and removes the old
 * factor fields (pending set-up, counters, recovery code hashes) from every user. Runs once per
 * database; afterwards a marker in `store_meta` skips it.
 */
export async function moveFactorsOutOfUsers(db: mongo.Db): Promise<void> {
  const meta = db.collection<{ _id: string }>('store_meta');
  if (await meta.findOne({ _id: DONE })) return;
  const users = db.collection<LegacyUser>('users');
  const credentials = db.collection<{ _id: string }>('credentials');
  for (const user of await users.find({ totp: { $ne: null } }).toArray()) {
    if (!user.totp) continue;
    const userId = String(user._id);
    await credentials.replaceOne(
      { _id: `${userId}:totp` },
      {
        userId,
        type: 'totp',
        sealedSecret: user.totp.secret,
        enrollmentId: user.totp.enrollmentId,
        enabledAt: user.totp.enabledAt,
        lastUsedStep: user.totp.lastUsedStep ?? null,
      },
      { upsert: true },
    );
  }
  await users.updateMany(
    {},
    {
      $unset: {
        totp: '',
        pendingTotp: '',
        otpFailures: '',
        otpLockedUntil: '',
        recoveryCodeHashes: '',
      },
    },
  );
  await meta.replaceOne({ _id: DONE }, {}, { upsert: true });
}
