import type { Connection, Types } from 'mongoose';
import { rememberedBrowserModel } from '../models/remembered-browser.model.ts';
import { isObjectId } from './ids.ts';

/** A browser that may skip the code prompt for one user and one 2FA enrollment. */
export interface RememberedBrowser {
  id: string;
  userId: string;
  enrollmentId: string;
  label: string;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
}

interface LeanBrowser {
  _id: string;
  userId: Types.ObjectId;
  enrollmentId: string;
  label?: string | null;
  createdAt: Date;
  lastUsedAt?: Date | null;
  expiresAt: Date;
}

function toBrowser(doc: LeanBrowser): RememberedBrowser {
  return {
    id: doc._id,
    userId: doc.userId.toString(),
    enrollmentId: doc.enrollmentId,
    label: doc.label ?? 'Unknown browser',
    createdAt: doc.createdAt,
    lastUsedAt: doc.lastUsedAt ?? doc.createdAt,
    expiresAt: doc.expiresAt,
  };
}

/** Remembered-browser repository; it stores only SHA-256 hashes of the browser tokens. */
export function rememberedBrowsersRepository(connection: Connection) {
  const Browsers = rememberedBrowserModel(connection);
  return {
    async create(input: {
      userId: string;
      tokenHash: string;
      enrollmentId: string;
      label: string;
      expiresAt: Date;
    }): Promise<void> {
      const { tokenHash, ...rest } = input;
      await Browsers.create({ _id: tokenHash, ...rest });
    },
    /** The browser whose token hashes to `tokenHash`: an `_id` read. */
    async findByHash(tokenHash: string): Promise<RememberedBrowser | null> {
      const doc = await Browsers.findById(tokenHash).lean();
      return doc ? toBrowser(doc as LeanBrowser) : null;
    },
    async touch(id: string): Promise<void> {
      await Browsers.updateOne({ _id: id }, { $set: { lastUsedAt: new Date() } });
    },
    async listForUser(userId: string): Promise<RememberedBrowser[]> {
      if (!isObjectId(userId)) return [];
      const docs = await Browsers.find({ userId, expiresAt: { $gt: new Date() } })
        .sort({ lastUsedAt: -1 })
        .lean();
      return docs.map((d) => toBrowser(d as LeanBrowser));
    },
    async revoke(userId: string, id: string): Promise<boolean> {
      if (!isObjectId(userId) || !/^[0-9a-f]{64}$/.test(id)) return false;
      const doc = await Browsers.findById(id).lean();
      if (!doc || String(doc.userId) !== userId) return false;
      return (await Browsers.deleteOne({ _id: id })).deletedCount === 1;
    },
    /** Forgets every browser of a user (2FA disabled or re-enrolled, password changed). */
    async revokeAllForUser(userId: string): Promise<number> {
      if (!isObjectId(userId)) return 0;
      return (await Browsers.deleteMany({ userId })).deletedCount;
    },
  };
}

export type RememberedBrowsersRepository = ReturnType<typeof rememberedBrowsersRepository>;
