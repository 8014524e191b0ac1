import type { User } from '../store/repos/users.repo.ts';

/**
 * What the recovery-codes partial shows: the codes, and the same codes as the text of the
 * downloadable file (named for the account and the day, so an old printout can be told apart).
 */
export function recoveryCodesView(codes: readonly string[], user: User, productName: string) {
  const day = new Date().toISOString().slice(0, 10);
  const file = [
    `${productName} recovery codes for ${user.email} (generated ${day})`,
    '',
    'Each code signs you in once when you cannot use your authenticator app.',
    'Generating new codes makes these stop working.',
    '',
    ...codes,
    '',
  ].join('\n');
  return { recoveryCodes: codes, recoveryCodesFile: file };
}
