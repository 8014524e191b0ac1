import { createHash, randomBytes } from 'node:crypto';

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const DAY_MS = 24 * 60 * 60 * 1000;
const LABEL_MAX = 80;

/** SHA-256 is enough here: the token carries 256 random bits, so there is nothing to brute-force. */
function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/**
 * A new "remember this browser" token (256 random bits, base64url) for the cookie, and the hash
 * that is the only thing stored, so a database leak does not hand out second factors.
 */
export function newRememberToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: sha256Hex(token) };
}

/**
 * The lookup hash of a cookie value, or null when it cannot be one of our tokens: tampered or
 * garbage cookies are ignored without touching the database.
 */
export function hashRememberToken(token: unknown): string | null {
  if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) return null;
  return sha256Hex(token);
}

/** When a browser remembered now stops counting as a second factor. */
export function rememberedUntil(now: Date, days: number): Date {
  return new Date(now.getTime() + days * DAY_MS);
}

/**
 * Whether a stored record may stand in for the code: same user, same 2FA enrollment (resetting or
 * re-enrolling 2FA invalidates every remembered browser), not revoked, not expired.
 */
export function isRememberedBrowserUsable(
  record: { userId: string; enrollmentId: string; expiresAt: Date; revokedAt?: Date | null },
  expected: { userId: string; enrollmentId: string },
  now: Date,
): boolean {
  return (
    record.userId === expected.userId &&
    record.enrollmentId === expected.enrollmentId &&
    !record.revokedAt &&
    now.getTime() < record.expiresAt.getTime()
  );
}

const BROWSERS: Array<[RegExp, string]> = [
  [/\bEdg(?:e|A|iOS)?\//, 'Edge'],
  [/\b(?:OPR|Opera)\//, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\b(?:Firefox|FxiOS)\//, 'Firefox'],
  [/\b(?:Chrome|CriOS|Chromium)\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
];

const SYSTEMS: Array<[RegExp, string]> = [
  [/\b(?:iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bAndroid\b/, 'Android'],
  [/\bWindows\b/, 'Windows'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

function firstMatch(ua: string, table: Array<[RegExp, string]>): string | null {
  return table.find(([pattern]) => pattern.test(ua))?.[1] ?? null;
}

/**
 * A short, human label for the remembered-browsers list ("Chrome on Linux"), so users can
 * recognise and revoke a device; the raw header is attacker-controlled, so it is never echoed.
 */
export function describeUserAgent(ua: string | undefined): string {
  const header = (ua ?? '').slice(0, 512);
  const browser = firstMatch(header, BROWSERS);
  const system = firstMatch(header, SYSTEMS);
  const label =
    browser && system
      ? `${browser} on ${system}`
      : (browser ?? (system ? `Browser on ${system}` : null));
  return (label ?? 'Unknown browser').slice(0, LABEL_MAX);
}
