import type { Connection, Types } from 'mongoose';
import { AppError } from '../../domain/errors.ts';
import { userModel, type UserDoc } from '../models/user.model.ts';
import { escapeRegExp, isDuplicateKey, isObjectId, toObjectIds } from './ids.ts';

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
  totp: {
    secret: string;
    enrollmentId: string;
    enabledAt: Date;
    lastUsedStep: number | null;
  } | null;
  pendingTotp: { secret: string; expiresAt: Date } | null;
  recoveryCodeHashes: string[];
  otpFailures: number;
  otpLockedUntil: Date | null;
  sessionEpoch: number;
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
    totp: doc.totp
      ? {
          secret: doc.totp.secret,
          enrollmentId: doc.totp.enrollmentId,
          enabledAt: doc.totp.enabledAt,
          lastUsedStep: doc.totp.lastUsedStep ?? null,
        }
      : null,
    pendingTotp: doc.pendingTotp
      ? { secret: doc.pendingTotp.secret, expiresAt: doc.pendingTotp.expiresAt }
      : null,
    recoveryCodeHashes: doc.recoveryCodeHashes ?? [],
    otpFailures: doc.otpFailures ?? 0,
    otpLockedUntil: doc.otpLockedUntil ?? null,
    sessionEpoch: doc.sessionEpoch ?? 0,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

/** Normalises an email for lookups and uniqueness (case-insensitive, trimmed). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Users repository: the only code that reads or writes the `users` collection. */
export function usersRepository(connection: Connection) {
  const Users = userModel(connection);
  const lean = (doc: unknown) => (doc ? toUser(doc as LeanUser) : null);

  return {
    async findById(id: string): Promise<User | null> {
      if (!isObjectId(id)) return null;
      return lean(await Users.findById(id).lean());
    },

    async findByEmail(email: string): Promise<User | null> {
      return lean(await Users.findOne({ email: normalizeEmail(email) }).lean());
    },

    async count(): Promise<number> {
      return Users.countDocuments();
    },

    async create(input: NewUser): Promise<User> {
      try {
        const doc = await Users.create({
          email: normalizeEmail(input.email),
          name: input.name,
          passwordHash: input.passwordHash,
          roleIds: toObjectIds(input.roleIds ?? []),
          groupIds: toObjectIds(input.groupIds ?? []),
        });
        return toUser(doc.toObject() as LeanUser);
      } catch (error) {
        if (isDuplicateKey(error)) {
          throw new AppError(
            'conflict',
            `A user with email ${normalizeEmail(input.email)} already exists`,
          );
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
      if (changes.disabled === true) return this.bumpEpoch(id, set);
      try {
        return lean(
          await Users.findByIdAndUpdate(id, { $set: set }, { returnDocument: 'after' }).lean(),
        );
      } catch (error) {
        if (isDuplicateKey(error)) {
          throw new AppError('conflict', `A user with email ${changes.email ?? ''} already exists`);
        }
        throw error;
      }
    },

    /** Applies `set` and invalidates every console session of the user (sessionEpoch + 1). */
    async bumpEpoch(id: string, set: Record<string, unknown> = {}): Promise<User | null> {
      if (!isObjectId(id)) return null;
      return lean(
        await Users.findByIdAndUpdate(
          id,
          { $set: set, $inc: { sessionEpoch: 1 } },
          { returnDocument: 'after' },
        ).lean(),
      );
    },

    async setPassword(id: string, passwordHash: string): Promise<User | null> {
      return this.bumpEpoch(id, { passwordHash, passwordChangedAt: new Date() });
    },

    /** Upgrades a hash to current parameters without ending sessions (same password). */
    async setPasswordHashOnly(id: string, passwordHash: string): Promise<void> {
      await Users.updateOne({ _id: id }, { $set: { passwordHash } });
    },

    async addRole(id: string, roleId: string): Promise<User | null> {
      if (!isObjectId(id)) return null;
      return lean(
        await Users.findByIdAndUpdate(
          id,
          { $addToSet: { roleIds: toObjectIds([roleId])[0] } },
          { returnDocument: 'after' },
        ).lean(),
      );
    },

    async addGroup(id: string, groupId: string): Promise<User | null> {
      if (!isObjectId(id)) return null;
      return lean(
        await Users.findByIdAndUpdate(
          id,
          { $addToSet: { groupIds: toObjectIds([groupId])[0] } },
          { returnDocument: 'after' },
        ).lean(),
      );
    },

    async setPendingTotp(id: string, pending: { secret: string; expiresAt: Date }): Promise<void> {
      await Users.updateOne({ _id: id }, { $set: { pendingTotp: pending } });
    },

    /**
     * Turns 2FA on from the pending enrollment. Conditional on the same pending secret so two
     * racing "Turn On" requests cannot enable different secrets.
     */
    async enableTotp(
      id: string,
      pendingSecret: string,
      totp: { secret: string; enrollmentId: string; lastUsedStep: number },
    ): Promise<boolean> {
      const result = await Users.updateOne(
        { _id: id, 'pendingTotp.secret': pendingSecret },
        {
          $set: {
            totp: { ...totp, enabledAt: new Date() },
            pendingTotp: null,
            recoveryCodeHashes: [],
            otpFailures: 0,
            otpLockedUntil: null,
          },
        },
      );
      return result.modifiedCount === 1;
    },

    /** Removes every trace of the second factor (secret, pending enrollment, recovery codes). */
    async disableTotp(id: string): Promise<void> {
      await Users.updateOne(
        { _id: id },
        {
          $set: {
            totp: null,
            pendingTotp: null,
            recoveryCodeHashes: [],
            otpFailures: 0,
            otpLockedUntil: null,
          },
        },
      );
    },

    /**
     * Records an accepted time step, only if it is newer than the last one: the conditional
     * update makes replay refusal hold even for two concurrent requests with the same code.
     */
    async acceptTotpStep(id: string, step: number): Promise<boolean> {
      const result = await Users.updateOne(
        {
          _id: id,
          totp: { $ne: null },
          $or: [{ 'totp.lastUsedStep': null }, { 'totp.lastUsedStep': { $lt: step } }],
        },
        { $set: { 'totp.lastUsedStep': step, otpFailures: 0, otpLockedUntil: null } },
      );
      return result.modifiedCount === 1;
    },

    /**
     * Counts one code attempt and sets the lock it earns if the code turns out wrong, only if the
     * counter still has the value the check started from: two concurrent checks cannot use the
     * same attempt, so throttling holds across instances.
     */
    async claimOtpAttempt(
      id: string,
      failuresSeen: number,
      lockIfWrong: Date | null,
    ): Promise<boolean> {
      const result = await Users.updateOne(
        { _id: id, otpFailures: failuresSeen },
        { $inc: { otpFailures: 1 }, $set: { otpLockedUntil: lockIfWrong } },
      );
      return result.modifiedCount === 1;
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

    async removeRoleEverywhere(roleId: string): Promise<void> {
      await Users.updateMany({}, { $pull: { roleIds: toObjectIds([roleId])[0] } });
    },

    async removeGroupEverywhere(groupId: string): Promise<void> {
      await Users.updateMany({}, { $pull: { groupIds: toObjectIds([groupId])[0] } });
    },

    async delete(id: string): Promise<boolean> {
      if (!isObjectId(id)) return false;
      const result = await Users.deleteOne({ _id: id });
      return result.deletedCount === 1;
    },
  };
}

export type UsersRepository = ReturnType<typeof usersRepository>;
