import { Types } from 'mongoose';

/** True when `id` is a valid ObjectId string; lets callers answer 404 instead of a cast error. */
export function isObjectId(id: string): boolean {
  return Types.ObjectId.isValid(id) && /^[0-9a-f]{24}$/i.test(id);
}

/** Converts ids from the outside world; invalid ids are dropped (they can match nothing). */
export function toObjectIds(ids: readonly string[]): Types.ObjectId[] {
  return ids.filter(isObjectId).map((id) => new Types.ObjectId(id));
}

/** Escapes user input for use inside a RegExp (search boxes). */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** True for MongoDB duplicate-key errors (unique index violations). */
export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: number }).code === 11000;
}
