import { Types, type Connection } from 'mongoose';
import { AppError } from '../../domain/errors.ts';
import type { Consistency } from '../consistency.ts';
import { userModel, type UserDoc } from '../models/user.model.ts';
import { escapeRegExp, isDuplicateKey, isObjectId, toObjectIds } from './ids.ts';
import { userLoginsIndex } from './user-logins.ts';

/** A user as the rest of the application sees it (never a mongoose document). */
export interface User {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  passwordChangedAt: Date;
  disabled: boolean;
  roleIds: string[];
  groupIds: string[];
  sessionEpoch: number;
  /** When a role's enforcement first reached this user without 2FA (the grace period's start). */
  twoFactorOwedSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewUser {
  email: string;
  name: string;
  passwordHash: string;
  roleIds?: string[];
  groupIds?: string[];
}

export interface UserChanges {
  email?: string;
  name?: string;
  disabled?: boolean;
  roleIds?: string[];
  groupIds?: string[];
}

type LeanUser = UserDoc & { _id: Types.ObjectId; createdAt: Date; updatedAt: Date };

function toUser(doc: LeanUser): User {
  return {
    id: doc._id.toString(),
    email: doc.email,
    name: doc.name ?? '',
    passwordHash: doc.passwordHash,
    passwordChangedAt: doc.passwordChangedAt ?? doc.createdAt,
    disabled: Boolean(doc.disabled),
    roleIds: (doc.roleIds ?? []).map(String),
    groupIds: (doc.groupIds ?? []).map(String),
    sessionEpoch: doc.sessionEpoch ?? 0,
    twoFactorOwedSince: doc.twoFactorOwedSince ?? null,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

/** Normalises an email for lookups and uniqueness (case-insensitive, trimmed). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Another account already signs in with `email`; `field` lets a form show it beside the input. */
function emailTaken(email: string): AppError {
  return new AppError('conflict', `A user with email ${email} already exists`, { field: 'email' });
}

/**
 * Users repository: the only code that reads or writes the `users` collection. Every write of a
 * user runs in `consistency.exclusive` for that user, so on servers without atomic conditional
 * updates no plain write can interleave with a compare-and-set of the same user.
 */
export function usersRepository(connection: Connection, consistency: Consistency) {
  const Users = userModel(connection);
  const logins = userLoginsIndex(connection, consistency);
  const lean = (doc: unknown) => (doc ? toUser(doc as LeanUser) : null);
  const write = <T>(id: string, task: () => Promise<T>) =>
    consistency.exclusive(Users.collection.collectionName, id, task);

  async function findById(id: string): Promise<User | null> {
    if (!isObjectId(id)) return null;
    return lean(await Users.findById(id).lean());
  }

  /** Adds a role or group id to a user (serialised with the user's other writes). */
  async function addMembership(
    id: string,
    field: 'roleIds' | 'groupIds',
    memberOf: string,
  ): Promise<User | null> {
    if (!isObjectId(id)) return null;
    const [value] = toObjectIds([memberOf]);
    return write(id, async () =>
      lean(
        await Users.findByIdAndUpdate(
          id,
          { $addToSet: { [field]: value } },
          { returnDocument: 'after' },
        ).lean(),
      ),
    );
  }

  /**
   * Takes a deleted role or group out of every user, one user at a time, so each write is
   * serialised with that user's compare-and-set (a bulk update could overwrite one).
   */
  async function removeMembershipEverywhere(
    field: 'roleIds' | 'groupIds',
    memberOf: string,
  ): Promise<void> {
    const [value] = toObjectIds([memberOf]);
    for (const { _id } of await Users.find({ [field]: value }, { _id: 1 }).lean()) {
      const id = String(_id);
      await write(id, () => Users.updateOne({ _id: id }, { $pull: { [field]: value } }));
    }
  }

  return {
    findById,

    /** By sign-in email: an `_id` read of the login pointer, then of the user (no scan). */
    async findByEmail(email: string): Promise<User | null> {
      const normalized = normalizeEmail(email);
      const userId = await logins.userIdFor(normalized);
      const user = userId ? await findById(userId) : null;
      return user && user.email === normalized ? user : null;
    },

    async count(): Promise<number> {
      return Users.countDocuments();
    },

    async create(input: NewUser): Promise<User> {
      const email = normalizeEmail(input.email);
      const id = new Types.ObjectId().toString();
      if (!(await logins.claim(email, id, (userId) => findById(userId)))) {
        throw emailTaken(email);
      }
      try {
        const doc = await Users.create({
          _id: id,
          email,
          name: input.name,
          passwordHash: input.passwordHash,
          roleIds: toObjectIds(input.roleIds ?? []),
          groupIds: toObjectIds(input.groupIds ?? []),
        });
        return toUser(doc.toObject() as LeanUser);
      } catch (error) {
        await logins.release(email, id);
        if (isDuplicateKey(error)) {
          throw emailTaken(email);
        }
        throw error;
      }
    },

    async update(id: string, changes: UserChanges): Promise<User | null> {
      if (!isObjectId(id)) return null;
      const set: Record<string, unknown> = {};
      if (changes.email !== undefined) set.email = normalizeEmail(changes.email);
      if (changes.name !== undefined) set.name = changes.name;
      if (changes.disabled !== undefined) set.disabled = changes.disabled;
      if (changes.roleIds !== undefined) set.roleIds = toObjectIds(changes.roleIds);
      if (changes.groupIds !== undefined) set.groupIds = toObjectIds(changes.groupIds);
      const before = set.email === undefined ? null : await findById(id);
      const newEmail = before && before.email !== set.email ? (set.email as string) : null;
      const taken = () => emailTaken(changes.email ?? '');
      if (newEmail && !(await logins.claim(newEmail, id, (userId) => findById(userId)))) {
        throw taken();
      }
      try {
        const after =
          changes.disabled === true
            ? await this.bumpEpoch(id, set)
            : await write(id, async () =>
                lean(
                  await Users.findByIdAndUpdate(
                    id,
                    { $set: set },
                    { returnDocument: 'after' },
                  ).lean(),
                ),
              );
        if (newEmail && before) await logins.release(before.email, id);
        return after;
      } catch (error) {
        if (newEmail) await logins.release(newEmail, id);
        if (isDuplicateKey(error)) throw taken();
        throw error;
      }
    },

    /** Applies `set` and invalidates every console session of the user (sessionEpoch + 1). */
    async bumpEpoch(id: string, set: Record<string, unknown> = {}): Promise<User | null> {
      if (!isObjectId(id)) return null;
      return write(id, async () =>
        lean(
          await Users.findByIdAndUpdate(
            id,
            { $set: set, $inc: { sessionEpoch: 1 } },
            { returnDocument: 'after' },
          ).lean(),
        ),
      );
    },

    async setPassword(id: string, passwordHash: string): Promise<User | null> {
      return this.bumpEpoch(id, { passwordHash, passwordChangedAt: new Date() });
    },

    /**
     * Records when the user first owed 2FA, once: a later call never moves it, so signing in
     * again does not renew a grace period.
     */
    async markTwoFactorOwed(id: string, at: Date): Promise<Date> {
      return write(id, async () => {
        const doc = await Users.findById(id, { twoFactorOwedSince: 1 }).lean();
        if (doc?.twoFactorOwedSince) return doc.twoFactorOwedSince;
        await Users.updateOne({ _id: id }, { $set: { twoFactorOwedSince: at } });
        return at;
      });
    },

    /** Forgets the grace period's start (2FA is on now, or an admin reset it and it starts anew). */
    async clearTwoFactorOwed(id: string): Promise<void> {
      await write(id, () => Users.updateOne({ _id: id }, { $set: { twoFactorOwedSince: null } }));
    },

    /** Upgrades a hash to current parameters without ending sessions (same password). */
    async setPasswordHashOnly(id: string, passwordHash: string): Promise<void> {
      await write(id, () => Users.updateOne({ _id: id }, { $set: { passwordHash } }));
    },

    addRole(id: string, roleId: string): Promise<User | null> {
      return addMembership(id, 'roleIds', roleId);
    },

    addGroup(id: string, groupId: string): Promise<User | null> {
      return addMembership(id, 'groupIds', groupId);
    },

    async list(query: {
      search?: string;
      page: number;
      pageSize: number;
    }): Promise<{ items: User[]; total: number }> {
      const filter = query.search
        ? {
            $or: [
              { email: { $regex: escapeRegExp(query.search.toLowerCase()) } },
              { name: { $regex: escapeRegExp(query.search), $options: 'i' } },
            ],
          }
        : {};
      const [items, total] = await Promise.all([
        Users.find(filter)
          .sort({ email: 1 })
          .skip((query.page - 1) * query.pageSize)
          .limit(query.pageSize)
          .lean(),
        Users.countDocuments(filter),
      ]);
      return { items: items.map((d) => toUser(d as unknown as LeanUser)), total };
    },

    /** Every user's memberships and state (for whole-system checks such as "an admin remains"). */
    async listMemberships(): Promise<
      Array<{ id: string; disabled: boolean; roleIds: string[]; groupIds: string[] }>
    > {
      const docs = await Users.find({}, { disabled: 1, roleIds: 1, groupIds: 1 }).lean();
      return docs.map((d) => ({
        id: String(d._id),
        disabled: Boolean(d.disabled),
        roleIds: (d.roleIds ?? []).map(String),
        groupIds: (d.groupIds ?? []).map(String),
      }));
    },

    async listByRole(roleId: string): Promise<User[]> {
      const docs = await Users.find({ roleIds: { $in: toObjectIds([roleId]) } }).lean();
      return docs.map((d) => toUser(d as unknown as LeanUser));
    },

    async listByGroup(groupId: string): Promise<User[]> {
      const docs = await Users.find({ groupIds: { $in: toObjectIds([groupId]) } }).lean();
      return docs.map((d) => toUser(d as unknown as LeanUser));
    },

    removeRoleEverywhere(roleId: string): Promise<void> {
      return removeMembershipEverywhere('roleIds', roleId);
    },

    removeGroupEverywhere(groupId: string): Promise<void> {
      return removeMembershipEverywhere('groupIds', groupId);
    },

    async delete(id: string): Promise<boolean> {
      const user = await findById(id);
      if (!user) return false;
      const result = await write(id, () => Users.deleteOne({ _id: id }));
      await logins.release(user.email, id);
      return result.deletedCount === 1;
    },

    /** Rebuilds the email pointers from the users collection when they are missing (upgrade). */
    async ensureLoginIndex(): Promise<void> {
      await logins.rebuildIfIncomplete(async () =>
        (await Users.find({}, { email: 1 }).lean()).map((d) => ({
          email: d.email,
          userId: String(d._id),
        })),
      );
    },
  };
}

export type UsersRepository = ReturnType<typeof usersRepository>;
