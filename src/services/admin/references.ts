import { AppError } from '../../domain/errors.ts';
import type { Store } from '../../store/index.ts';

/** Refuses role ids that do not exist, so a membership never points at nothing. */
export async function assertRolesExist(store: Store, ids: readonly string[]): Promise<void> {
  const found = await store.roles.findByIds(ids);
  if (found.length !== new Set(ids).size) {
    throw new AppError('validation_failed', 'One or more roles do not exist.');
  }
}

/** Refuses group ids that do not exist. */
export async function assertGroupsExist(store: Store, ids: readonly string[]): Promise<void> {
  const found = await store.groups.findByIds(ids);
  if (found.length !== new Set(ids).size) {
    throw new AppError('validation_failed', 'One or more groups do not exist.');
  }
}
