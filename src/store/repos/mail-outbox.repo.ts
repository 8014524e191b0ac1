import { randomBytes } from 'node:crypto';
import type { Connection, mongo } from 'mongoose';
import { compareAndSet, type Consistency } from '../consistency.ts';

/** The collection of messages waiting to be sent (sent ones are deleted, so it stays tiny). */
export const MAIL_OUTBOX_COLLECTION = 'mail_outbox';

/** A message waiting in the outbox. */
export interface OutboxMessage {
  id: string;
  to: string;
  subject: string;
  text: string;
  createdAt: Date;
  /** Failed sends so far. */
  attempts: number;
}

interface OutboxDoc {
  _id: string;
  to: string;
  subject: string;
  text: string;
  createdAt: Date;
  attempts: number;
  /** Not sent before this time; a claim moves it to the claim's end. */
  nextAttemptAt: Date;
  /** While in the future, one sender owns the message; null when nobody does. */
  claimedUntil: Date | null;
}

function toMessage(doc: OutboxDoc): OutboxMessage {
  return {
    id: doc._id,
    to: doc.to,
    subject: doc.subject,
    text: doc.text,
    createdAt: doc.createdAt,
    attempts: doc.attempts,
  };
}

/**
 * `mail_outbox`: security notifications waiting for the mail server. Each is written once when
 * queued, then claimed by one sender at a time through the store's compare-and-set (so two
 * provider processes on MongoDB never send the same message concurrently), and deleted once
 * sent. A claim also moves `nextAttemptAt` to its end: a sender that dies mid-send leaves the
 * message due again when its claim lapses, and finding due messages is one range query.
 */
export function mailOutboxRepository(connection: Connection, consistency: Consistency) {
  const outbox = () => (connection.db as mongo.Db).collection<OutboxDoc>(MAIL_OUTBOX_COLLECTION);
  return {
    /** Queues a message, due at once; returns its id. */
    async enqueue(message: { to: string; subject: string; text: string }, now: Date) {
      const id = randomBytes(16).toString('base64url');
      await outbox().insertOne({
        _id: id,
        to: message.to,
        subject: message.subject,
        text: message.text,
        createdAt: now,
        attempts: 0,
        nextAttemptAt: now,
        claimedUntil: null,
      });
      return id;
    },

    /** Ids of up to `limit` messages due at `now`, the longest waiting first. */
    async dueIds(now: Date, limit: number): Promise<string[]> {
      const docs = await outbox()
        .find({ nextAttemptAt: { $lte: now } }, { projection: { _id: 1 } })
        .sort({ nextAttemptAt: 1 })
        .limit(limit)
        .toArray();
      return docs.map((doc) => doc._id);
    },

    /**
     * Takes the message for one send until `until`, or null when it is gone, not due, or another
     * sender holds it.
     */
    claim(id: string, now: Date, until: Date): Promise<OutboxMessage | null> {
      return compareAndSet(consistency, outbox(), id, (doc) => {
        const free =
          doc && doc.nextAttemptAt <= now && !(doc.claimedUntil && doc.claimedUntil > now);
        if (!doc || !free) return { update: null, result: null };
        return {
          update: { $set: { claimedUntil: until, nextAttemptAt: until } },
          result: toMessage(doc),
        };
      });
    },

    /** Gives a claimed message back after a failed send, due again at `nextAttemptAt`. */
    async release(id: string, attempts: number, nextAttemptAt: Date): Promise<void> {
      await compareAndSet(consistency, outbox(), id, (doc) => ({
        update: doc ? { $set: { attempts, nextAttemptAt, claimedUntil: null } } : null,
        result: undefined,
      }));
    },

    /** Removes a message: sent, or given up. */
    async remove(id: string): Promise<void> {
      await consistency.exclusive(MAIL_OUTBOX_COLLECTION, id, () =>
        outbox().deleteOne({ _id: id }),
      );
    },

    /** How many messages wait to be sent, due or not; for tests and operators. */
    async count(): Promise<number> {
      return outbox().countDocuments({});
    },
  };
}

export type MailOutboxRepository = ReturnType<typeof mailOutboxRepository>;
