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

/**
 * True for MongoDB duplicate-key errors (unique index violations). FerretDB's SQLite backend
 * reports a violation inside findAndModify as code 1 (InternalError) with SQLite's message.
 */
export function isDuplicateKey(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: number; message?: unknown };
  if (code === 11000) return true;
  return code === 1 && typeof message === 'string' && /UNIQUE constraint failed/.test(message);
}
