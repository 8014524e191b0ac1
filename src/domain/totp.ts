import { randomBytes, timingSafeEqual } from 'node:crypto';
import { generateSync, ScureBase32Plugin } from 'otplib';

/** RFC 6238 parameters we use everywhere: the defaults every common authenticator app supports. */
const PERIOD_SECONDS = 30;
const DIGITS = 6;
const SECRET_BYTES = 20;

const base32 = new ScureBase32Plugin();

/**
 * A fresh TOTP shared secret: 160 bits from the CSPRNG (RFC 4226 section 4 recommends 160),
 * base32 without padding (RFC 4648 section 6) as authenticator apps expect.
 */
export function generateTotpSecret(): string {
  return base32.encode(randomBytes(SECRET_BYTES), { padding: false });
}

/** The secret in groups of four, so a person can type it into an app without losing their place. */
export function formatSecretForDisplay(secret: string): string {
  return (secret.match(/.{1,4}/g) ?? []).join(' ');
}

/**
 * The `otpauth://totp/` key URI (Google Authenticator key-URI format) shown as a QR code.
 * Parameters are spelled out so apps never have to guess the algorithm, digits or period.
 */
export function buildOtpauthUri(input: {
  issuer: string;
  accountName: string;
  secret: string;
}): string {
  const label = `${encodeURIComponent(input.issuer)}:${encodeURIComponent(input.accountName)}`;
  const params = [
    `secret=${encodeURIComponent(input.secret)}`,
    `issuer=${encodeURIComponent(input.issuer)}`,
    'algorithm=SHA1',
    `digits=${DIGITS}`,
    `period=${PERIOD_SECONDS}`,
  ];
  return `otpauth://totp/${label}?${params.join('&')}`;
}

/** The RFC 6238 time step (T, with T0 = 0 and X = 30 s) that contains `nowMs`. */
export function timeStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / PERIOD_SECONDS);
}

function codeForStep(secret: string, step: number): string {
  return generateSync({
    secret,
    epoch: step * PERIOD_SECONDS,
    algorithm: 'sha1',
    digits: DIGITS,
    period: PERIOD_SECONDS,
  });
}

/** The valid code at `nowMs`; for tests and benchmarks that play the part of the authenticator app. */
export function totpCodeAt(secret: string, nowMs: number): string {
  return codeForStep(secret, timeStep(nowMs));
}

export type TotpVerification =
  { ok: true; step: number } | { ok: false; reason: 'malformed' | 'invalid' | 'replayed' };

/**
 * Checks a code typed by the user (RFC 6238 section 5.2: accept `window` steps of clock drift
 * either side). A step is accepted once per user, and never one at or before the last accepted
 * step, so neither a replayed nor an older code from the window works after a newer one
 * (RFC 6238 section 5.2, "MUST NOT accept the second attempt"). Every candidate is compared in
 * constant time. On success, store the returned `step` as the user's `lastUsedStep`.
 */
export function verifyTotp(input: {
  secret: string;
  code: string;
  nowMs: number;
  window: number;
  lastUsedStep: number | null;
}): TotpVerification {
  const code = input.code.replace(/[\s-]/g, '');
  if (!/^\d{6}$/.test(code)) return { ok: false, reason: 'malformed' };
  const typed = Buffer.from(code);
  const current = timeStep(input.nowMs);
  const last = input.lastUsedStep ?? -Infinity;
  let accepted: number | null = null;
  let replayed = false;
  for (let step = current - input.window; step <= current + input.window; step += 1) {
    if (step < 0) continue;
    if (!timingSafeEqual(typed, Buffer.from(codeForStep(input.secret, step)))) continue;
    if (step <= last) replayed = true;
    else accepted ??= step;
  }
  if (accepted !== null) return { ok: true, step: accepted };
  return { ok: false, reason: replayed ? 'replayed' : 'invalid' };
}
