import { AppError } from '../domain/errors.ts';
import { checkPasswordStrength } from '../domain/password-policy.ts';
import type { Store } from '../store/index.ts';
import type { User } from '../store/repos/users.repo.ts';
import type { PasswordHasher } from '../factors/password/hasher.ts';

/**
 * Ends everything that keeps a user signed in: provider sessions and grants (so refresh tokens
 * die), console sessions (sessionEpoch), what was recorded about those sessions, and remembered
 * browsers unless `forgetBrowsers` is false. Used on password change, when an admin sets a
 * password or disables the account, and by "Sign out everywhere" (which keeps remembered
 * browsers unless the user asks).
 */
export async function endAllSessions(
  store: Store,
  userId: string,
  options: { forgetBrowsers?: boolean } = {},
): Promise<void> {
  await store.users.bumpEpoch(userId);
  await store.oidcSessions.revokeForAccount(userId);
  await store.sessionActivity.clear(userId);
  if (options.forgetBrowsers ?? true) await store.rememberedBrowsers.revokeAllForUser(userId);
}

/** Sets a new password after checking its strength; every session and remembered browser ends. */
export async function setNewPassword(
  store: Store,
  hasher: PasswordHasher,
  user: User,
  password: string,
): Promise<void> {
  const strength = checkPasswordStrength(password, { email: user.email, name: user.name });
  if (!strength.ok) throw new AppError('validation_failed', strength.message);
  await store.users.setPassword(user.id, await hasher.hash(password));
  await endAllSessions(store, user.id);
}
