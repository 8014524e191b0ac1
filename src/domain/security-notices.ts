import { describeUserAgent } from './remembered-browser.ts';

/** A change to an account that its owner must hear about, by email. */
export type SecurityNotice =
  | { kind: 'totp.enabled' }
  | { kind: 'totp.disabled'; by: 'self' | 'admin' }
  | { kind: 'totp.replaced' }
  | { kind: 'recovery_codes.regenerated' }
  | { kind: 'recovery_code.used'; remaining: number }
  | { kind: 'browser.remembered' }
  | { kind: 'otp.locked' }
  | { kind: 'password.changed'; by: 'self' | 'admin' };

/** Where and when the change happened, as the message names it. */
export interface NoticeOrigin {
  at: Date;
  ip: string;
  userAgent: string | undefined;
}

/** A notice as words: what happened, facts added to the origin, and what to do. */
interface Wording {
  subject: string;
  headline: string;
  details?: string;
  /** What to do: nothing if it was them, and what if it was not. */
  advice: string;
  byAdmin?: boolean;
  /** Label of the origin lines when they describe the last of several attempts. */
  lastAttempt?: boolean;
}

/** Below this many recovery codes left, the message asks for new ones. */
export const FEW_RECOVERY_CODES = 3;

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/**
 * "23 November 2026, 18:48 UTC": unambiguous for every reader, whatever their locale, and the
 * same on every server (no locale or time-zone data involved).
 */
export function formatNoticeTime(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const month = MONTHS[at.getUTCMonth()] ?? '';
  return `${at.getUTCDate()} ${month} ${at.getUTCFullYear()}, ${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())} UTC`;
}

/**
 * The client address as shown: an IPv4 or IPv6 literal only. Behind a proxy the address can come
 * from a request header, so anything else (text an attacker chose) is never put into a message.
 */
export function displayAddress(ip: string): string {
  const bare = ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  return /^[0-9a-f:.]{2,45}$/i.test(bare) ? bare : 'unknown address';
}

/** The person's name for the greeting: printable, one line, bounded; empty when there is none. */
function displayName(name: string): string {
  return name
    .replace(/[\p{Cc}\p{Cf}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 100);
}

function recoveryCodesLeft(remaining: number): string {
  if (remaining <= 0) {
    return 'You have no recovery codes left: generate new ones from your Profile page now.';
  }
  const count = remaining === 1 ? '1 recovery code' : `${remaining} recovery codes`;
  return remaining <= FEW_RECOVERY_CODES
    ? `You have ${count} left: generate new ones from your Profile page soon.`
    : `You have ${count} left.`;
}

const TAKEN_OVER =
  'someone who knows your password has linked their own authenticator app to your account';

/** The advice of a change the person made themselves (or someone with their password did). */
const ifNotYou = (what: string) =>
  `If this was you, there is nothing to do. If it was not you, ${what}`;

const ASK_ADMIN =
  'If you asked for this, there is nothing to do. If not, contact your administrator.';

function wordingOf(notice: SecurityNotice): Wording {
  switch (notice.kind) {
    case 'totp.enabled':
      return {
        subject: 'Two-factor authentication was turned on',
        headline:
          'Two-factor authentication was turned on for your account: signing in now asks for a code from an authenticator app.',
        advice: ifNotYou(
          `${TAKEN_OVER}. Contact your administrator at once: they can turn two-factor authentication off so that you can sign in and change your password.`,
        ),
      };
    case 'totp.disabled':
      return notice.by === 'admin'
        ? {
            subject: 'Two-factor authentication was turned off by an administrator',
            headline:
              'Two-factor authentication was turned off for your account by an administrator: signing in no longer asks for a code.',
            advice: `${ASK_ADMIN} You can turn two-factor authentication on again from your Profile page.`,
            byAdmin: true,
          }
        : {
            subject: 'Two-factor authentication was turned off',
            headline:
              'Two-factor authentication was turned off for your account: signing in no longer asks for a code.',
            advice: ifNotYou(
              'sign in, change your password, turn two-factor authentication on again from your Profile page and tell your administrator.',
            ),
          };
    case 'totp.replaced':
      return {
        subject: 'Your authenticator app was replaced',
        headline:
          'A new authenticator app was set up for your account; codes from the previous one no longer work.',
        advice: ifNotYou(
          `${TAKEN_OVER}. Contact your administrator at once, then change your password.`,
        ),
      };
    case 'recovery_codes.regenerated':
      return {
        subject: 'New recovery codes were generated',
        headline:
          'New recovery codes were generated for your account; the previous ones no longer work.',
        advice: ifNotYou('change your password and contact your administrator at once.'),
      };
    case 'recovery_code.used':
      return {
        subject: 'A recovery code was used to sign in',
        headline:
          'A recovery code was used instead of an authenticator code to sign in to your account.',
        details: recoveryCodesLeft(notice.remaining),
        advice: ifNotYou(
          'someone has your password and one of your recovery codes: change your password, generate new recovery codes from your Profile page and contact your administrator.',
        ),
      };
    case 'browser.remembered':
      return {
        subject: 'A new browser was remembered',
        headline:
          'A browser was remembered for your account: for a while it will not be asked for an authenticator code when signing in.',
        advice: ifNotYou(
          'forget that browser on your Profile page, change your password and contact your administrator.',
        ),
      };
    case 'otp.locked':
      return {
        subject: 'Signing in with a code is locked on your account',
        headline:
          'After too many wrong authenticator codes in a row, signing in to your account with a code is locked.',
        details:
          'An administrator must unlock it before anyone, you included, can sign in with a code again.',
        advice:
          'If these attempts were not yours, someone knows your password: ask your administrator to unlock your account, then change your password.',
        lastAttempt: true,
      };
    case 'password.changed':
      return notice.by === 'admin'
        ? {
            subject: 'Your password was changed by an administrator',
            headline:
              'The password of your account was changed by an administrator. You were signed out everywhere.',
            advice: ASK_ADMIN,
            byAdmin: true,
          }
        : {
            subject: 'Your password was changed',
            headline:
              'The password of your account was changed. You were signed out everywhere else.',
            advice: ifNotYou(
              'someone else has taken over your account: contact your administrator at once.',
            ),
          };
  }
}

/**
 * The email telling a person about a security change to their account: plain text, short, with
 * when (UTC), from which browser (or "by an administrator") and which address, and what to do if
 * it was not them. It names facts only: never a code, a secret or a link, so a message that
 * reaches the wrong inbox or is forged cannot be used against the account.
 */
export function composeNotice(
  notice: SecurityNotice,
  origin: NoticeOrigin,
  recipient: { name: string; email: string },
  productName: string,
): { subject: string; text: string } {
  const wording = wordingOf(notice);
  const name = displayName(recipient.name);
  const prefix = wording.lastAttempt ? 'Last attempt' : 'When';
  const facts = [
    `${prefix}: ${formatNoticeTime(origin.at)}`,
    wording.byAdmin ? 'By: an administrator' : `Browser: ${describeUserAgent(origin.userAgent)}`,
    `Address: ${displayAddress(origin.ip)}`,
  ];
  const paragraphs = [
    name ? `Hello ${name},` : 'Hello,',
    wording.headline,
    facts.join('\n'),
    ...(wording.details ? [wording.details] : []),
    wording.advice,
    `This is an automatic message from ${productName} about your account ${recipient.email}.`,
  ];
  return { subject: `${productName}: ${wording.subject}`, text: `${paragraphs.join('\n\n')}\n` };
}
