import type { Store } from '../../store/index.ts';
import type { User } from '../../store/repos/users.repo.ts';
import type { PasswordHasher } from './hasher.ts';

/**
 * Checks an email and password. Unknown email, wrong password and disabled account all return
 * null after the same argon2 work, so neither the answer nor its timing reveals which accounts
 * exist (user enumeration).
 */
export async function authenticatePassword(
  store: Store,
  hasher: PasswordHasher,
  email: string,
  password: string,
): Promise<User | null> {
  const user = await store.users.findByEmail(email);
  if (!user) {
    await hasher.burn(password);
    return null;
  }
  const ok = await hasher.verify(user.passwordHash, password);
  if (!ok || user.disabled) return null;
  if (hasher.needsRehash(user.passwordHash)) {
    await store.users.setPasswordHashOnly(user.id, await hasher.hash(password));
  }
  return user;
}
