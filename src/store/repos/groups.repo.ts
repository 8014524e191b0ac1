import type { Connection, Types } from 'mongoose';
import { AppError } from '../../domain/errors.ts';
import { groupModel } from '../models/group.model.ts';
import type { CatalogCache } from './catalog-cache.ts';
import { isDuplicateKey, isObjectId, toObjectIds } from './ids.ts';

/** A group of users; its roles apply to every member. */
export interface Group {
  id: string;
  name: string;
  roleIds: string[];
}

interface LeanGroup {
  _id: Types.ObjectId;
  name: string;
  roleIds?: Types.ObjectId[];
}

function toGroup(doc: LeanGroup): Group {
  return { id: doc._id.toString(), name: doc.name, roleIds: (doc.roleIds ?? []).map(String) };
}

function duplicate(name: string): AppError {
  return new AppError('conflict', `A group named "${name}" already exists`, { field: 'name' });
}

/** Groups repository. */
export function groupsRepository(connection: Connection, catalog: CatalogCache) {
  const Groups = groupModel(connection);
  const list = (): Promise<Group[]> =>
    catalog.get('groups', async () =>
      (await Groups.find().sort({ name: 1 }).lean()).map((d) => toGroup(d as LeanGroup)),
    );
  /** Every write goes through here, so readers in every process see it (catalog-cache.ts). */
  const changed = async <T>(result: T): Promise<T> => {
    await catalog.changed();
    return result;
  };
  return {
    /** Every group, sorted by name, from the in-process catalog cache. */
    list,
    async findById(id: string): Promise<Group | null> {
      return (await list()).find((item) => item.id === id) ?? null;
    },
    async findByName(name: string): Promise<Group | null> {
      return (await list()).find((item) => item.name === name.trim()) ?? null;
    },
    async findByIds(ids: readonly string[]): Promise<Group[]> {
      const wanted = new Set(ids);
      return (await list()).filter((item) => wanted.has(item.id));
    },
    async listByRole(roleId: string): Promise<Group[]> {
      const docs = await Groups.find({ roleIds: { $in: toObjectIds([roleId]) } }).lean();
      return docs.map((d) => toGroup(d as LeanGroup));
    },
    async create(input: { name: string; roleIds?: string[] }): Promise<Group> {
      try {
        const doc = await Groups.create({
          name: input.name.trim(),
          roleIds: toObjectIds(input.roleIds ?? []),
        });
        return changed(toGroup(doc.toObject() as LeanGroup));
      } catch (error) {
        if (isDuplicateKey(error)) throw duplicate(input.name.trim());
        throw error;
      }
    },
    async update(
      id: string,
      changes: { name?: string; roleIds?: string[] },
    ): Promise<Group | null> {
      if (!isObjectId(id)) return null;
      const set: Record<string, unknown> = {};
      if (changes.name !== undefined) set.name = changes.name.trim();
      if (changes.roleIds !== undefined) set.roleIds = toObjectIds(changes.roleIds);
      try {
        const doc = await Groups.findByIdAndUpdate(
          id,
          { $set: set },
          { returnDocument: 'after' },
        ).lean();
        return changed(doc ? toGroup(doc as LeanGroup) : null);
      } catch (error) {
        if (isDuplicateKey(error)) throw duplicate(changes.name ?? '');
        throw error;
      }
    },
    async removeRoleEverywhere(roleId: string): Promise<void> {
      await Groups.updateMany({}, { $pull: { roleIds: toObjectIds([roleId])[0] } });
      await changed(undefined);
    },
    async delete(id: string): Promise<boolean> {
      if (!isObjectId(id)) return false;
      return changed((await Groups.deleteOne({ _id: id })).deletedCount === 1);
    },
  };
}

export type GroupsRepository = ReturnType<typeof groupsRepository>;
