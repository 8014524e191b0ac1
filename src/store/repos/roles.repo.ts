import type { Connection, Types } from 'mongoose';
import { AppError } from '../../domain/errors.ts';
import { roleModel } from '../models/role.model.ts';
import type { CatalogCache } from './catalog-cache.ts';
import { isDuplicateKey, isObjectId } from './ids.ts';

/** A role: may enforce 2FA on its holders and may grant admin access. */
export interface Role {
  id: string;
  name: string;
  enforce2fa: boolean;
  /** Days a member who owes 2FA may still sign in without it (0: set up at the next sign-in). */
  enforce2faGraceDays: number;
  admin: boolean;
}

export interface RoleInput {
  name: string;
  enforce2fa?: boolean;
  enforce2faGraceDays?: number;
  admin?: boolean;
}

interface LeanRole {
  _id: Types.ObjectId;
  name: string;
  enforce2fa?: boolean | null;
  enforce2faGraceDays?: number | null;
  admin?: boolean | null;
}

function toRole(doc: LeanRole): Role {
  return {
    id: doc._id.toString(),
    name: doc.name,
    enforce2fa: Boolean(doc.enforce2fa),
    enforce2faGraceDays: doc.enforce2faGraceDays ?? 0,
    admin: Boolean(doc.admin),
  };
}

function duplicate(name: string): AppError {
  return new AppError('conflict', `A role named "${name}" already exists`, { field: 'name' });
}

/** Roles repository. */
export function rolesRepository(connection: Connection, catalog: CatalogCache) {
  const Roles = roleModel(connection);
  const list = (): Promise<Role[]> =>
    catalog.get('roles', async () =>
      (await Roles.find().sort({ name: 1 }).lean()).map((d) => toRole(d as LeanRole)),
    );
  /** Every write goes through here, so readers in every process see it (catalog-cache.ts). */
  const changed = async <T>(result: T): Promise<T> => {
    await catalog.changed();
    return result;
  };
  return {
    /** Every role, sorted by name, from the in-process catalog cache. */
    list,
    async findById(id: string): Promise<Role | null> {
      return (await list()).find((item) => item.id === id) ?? null;
    },
    async findByName(name: string): Promise<Role | null> {
      return (await list()).find((item) => item.name === name.trim()) ?? null;
    },
    async findByIds(ids: readonly string[]): Promise<Role[]> {
      const wanted = new Set(ids);
      return (await list()).filter((item) => wanted.has(item.id));
    },
    async create(input: RoleInput): Promise<Role> {
      try {
        const doc = await Roles.create({
          name: input.name.trim(),
          enforce2fa: input.enforce2fa ?? false,
          enforce2faGraceDays: input.enforce2faGraceDays ?? 0,
          admin: input.admin ?? false,
        });
        return changed(toRole(doc.toObject() as LeanRole));
      } catch (error) {
        if (isDuplicateKey(error)) throw duplicate(input.name.trim());
        throw error;
      }
    },
    async update(id: string, changes: Partial<RoleInput>): Promise<Role | null> {
      if (!isObjectId(id)) return null;
      try {
        const doc = await Roles.findByIdAndUpdate(
          id,
          { $set: changes },
          { returnDocument: 'after' },
        ).lean();
        return changed(doc ? toRole(doc as LeanRole) : null);
      } catch (error) {
        if (isDuplicateKey(error)) throw duplicate(changes.name ?? '');
        throw error;
      }
    },
    async delete(id: string): Promise<boolean> {
      if (!isObjectId(id)) return false;
      return changed((await Roles.deleteOne({ _id: id })).deletedCount === 1);
    },
  };
}

export type RolesRepository = ReturnType<typeof rolesRepository>;
