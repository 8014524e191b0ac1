/** Longest password accepted: generous for passphrases, bounded so hashing cannot be abused for DoS. */
export const PASSWORD_MAX_LENGTH = 256;
/** Shortest password accepted (NIST SP 800-63B 5.1.1.2 asks for 8 at least). */
export const PASSWORD_MIN_LENGTH = 10;

/** The most common passwords in public breach corpora, lower-cased; NIST SP 800-63B 5.1.1.2 blocklist. */
const COMMON_PASSWORDS = new Set([
  '123456',
  '123456789',
  '12345678',
  'password',
  'qwerty123',
  'qwerty1',
  '111111',
  '12345',
  'secret',
  '123123',
  '1234567890',
  '1234567',
  '000000',
  'qwerty',
  'abc123',
  'password1',
  'iloveyou',
  '11111111',
  'dragon',
  'monkey',
  '123123123',
  '123321',
  'qwertyuiop',
  '00000000',
  'password123',
  '654321',
  '1q2w3e4r5t',
  '1q2w3e4r',
  'qwe123',
  'sunshine',
  'princess',
  'letmein',
  'football',
  'welcome',
  'admin',
  'admin123',
  'baseball',
  'superman',
  'michael',
  'shadow',
  'master',
  'passw0rd',
  'trustno1',
  '987654321',
  '1qaz2wsx',
  '1qaz2wsx3edc',
  'zaq12wsx',
  'asdfghjkl',
  'qwertyuiop123',
  'welcome123',
  'iloveyou123',
  'password1234',
  '1234567891',
  'aa12345678',
  'q1w2e3r4t5',
  'changeme',
  'changeme123',
]);

/** Parts of the user's own identity of at least this many characters may not appear in the password. */
const MIN_IDENTITY_PART = 3;

export type PasswordCheck = { ok: true } | { ok: false; message: string };

/**
 * Who reads the refusal: the user choosing their own password ("your email"), or an administrator
 * or operator setting someone else's ("the user's email").
 */
export type PasswordReader = 'owner' | 'admin';

const IDENTITY_REFUSAL: Record<PasswordReader, string> = {
  owner: 'The password must not contain your email address or name.',
  admin: 'The password must not contain the user’s email address or name.',
};

function identityParts(context: { email?: string; name?: string }): string[] {
  const localPart = context.email?.split('@')[0] ?? '';
  const name = (context.name ?? '').replace(/\s+/g, '');
  return [localPart, name]
    .map((part) => part.toLowerCase())
    .filter((part) => part.length >= MIN_IDENTITY_PART);
}

/**
 * Whether a new password is acceptable (NIST SP 800-63B 5.1.1.2): long enough, bounded, not a
 * well-known password, and not built from the user's own email or name. Length counts characters.
 * The refusal speaks to `reader`, the person who typed the password.
 */
export function checkPasswordStrength(
  password: string,
  context: { email?: string; name?: string },
  reader: PasswordReader = 'owner',
): PasswordCheck {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    return { ok: false, message: `Use at least ${PASSWORD_MIN_LENGTH} characters.` };
  }
  if (length > PASSWORD_MAX_LENGTH) {
    return { ok: false, message: `Use at most ${PASSWORD_MAX_LENGTH} characters.` };
  }
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) {
    return { ok: false, message: 'This password is too common; choose another one.' };
  }
  if (identityParts(context).some((part) => lower.includes(part))) {
    return { ok: false, message: IDENTITY_REFUSAL[reader] };
  }
  return { ok: true };
}
