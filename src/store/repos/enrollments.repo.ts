import type { Connection, mongo } from 'mongoose';
import { compareAndSet, type Consistency } from '../consistency.ts';

/** An authenticator being set up: its secret (sealed) belongs to one channel only. */
export interface PendingEnrollment {
  channel: string;
  userId: string;
  sealedSecret: string;
  expiresAt: Date;
}

interface EnrollmentDoc {
  _id: string;
  userId: string;
  sealedSecret: string;
  expiresAt: Date;
  rev?: number;
}

/**
 * `enrollments`: pending authenticator set-ups keyed by the channel that started them (a sign-in
 * interaction or a Profile page session), so a secret is shown only where it was created; the
 * sign-in and Profile pages read it by `_id`.
 */
export function enrollmentsRepository(connection: Connection, consistency: Consistency) {
  const enrollments = () => (connection.db as mongo.Db).collection<EnrollmentDoc>('enrollments');

  return {
    /** The live enrollment of `channel` for `userId`, or null. */
    async find(channel: string, userId: string): Promise<PendingEnrollment | null> {
      const doc = await enrollments().findOne({ _id: channel });
      if (!doc || doc.userId !== userId || doc.expiresAt.getTime() <= Date.now()) return null;
      return {
        channel,
        userId: doc.userId,
        sealedSecret: doc.sealedSecret,
        expiresAt: doc.expiresAt,
      };
    },

    async save(enrollment: PendingEnrollment): Promise<void> {
      const { channel, ...rest } = enrollment;
      await consistency.exclusive('enrollments', channel, () =>
        enrollments().replaceOne(
          { _id: channel },
          { ...rest, rev: Math.random() },
          { upsert: true },
        ),
      );
    },

    /**
     * Takes the enrollment of `channel` once, if it is still the one with `sealedSecret`: of two
     * racing confirmations only one gets it.
     */
    take(channel: string, userId: string, sealedSecret: string): Promise<boolean> {
      return compareAndSet(consistency, enrollments(), channel, (doc) => {
        if (!doc || doc.userId !== userId || doc.sealedSecret !== sealedSecret)
          return { result: false };
        return { update: { $set: { expiresAt: new Date(0), sealedSecret: '' } }, result: true };
      });
    },

    /** Every enrollment still pending, with its sealed secret: what a key rotation re-seals. */
    async livePending(): Promise<PendingEnrollment[]> {
      const docs = await enrollments()
        .find({ expiresAt: { $gt: new Date() } })
        .toArray();
      return docs
        .filter((doc) => doc.sealedSecret !== '')
        .map((doc) => ({
          channel: doc._id,
          userId: doc.userId,
          sealedSecret: doc.sealedSecret,
          expiresAt: doc.expiresAt,
        }));
    },

    /** Swaps a pending secret for the same secret sealed under another key, if still `from`. */
    reseal(channel: string, from: string, to: string): Promise<boolean> {
      return consistency.exclusive('enrollments', channel, async () => {
        const result = await enrollments().updateOne(
          { _id: channel, sealedSecret: from },
          { $set: { sealedSecret: to }, $inc: { rev: 1 } },
        );
        return result.matchedCount === 1;
      });
    },

    /** Discards every pending enrollment of a user (one was completed, or 2FA was reset). */
    async discardForUser(userId: string): Promise<void> {
      await enrollments().deleteMany({ userId });
    },
  };
}

export type EnrollmentsRepository = ReturnType<typeof enrollmentsRepository>;
