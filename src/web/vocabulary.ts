/**
 * The words every page uses for two-factor authentication, in one place so that pages cannot
 * drift apart. Views read them as `words` (src/web/render.ts).
 *
 * The rules behind them:
 * - the feature is "two-factor authentication" in a sentence and "Two-factor authentication" as a
 *   heading; "2FA" only where space is short (admin tables);
 * - the Profile links keep the old product's words, which users already know: "Enable
 *   Two-Factor Authentication" and "Disable Two-Factor Authentication", and the set-up ends with
 *   "Turn On";
 * - the page that sets it up, from Profile or at sign-in, is "Set up two-factor authentication";
 * - what the user types is a "code from your authenticator app" (a "recovery code" when it is
 *   one of the ten saved codes), never a "verification code" or a "token";
 * - a requirement is information, not an error: it is styled as a notice and says who requires it.
 */
export const WORDS = Object.freeze({
  feature: 'two-factor authentication',
  featureTitle: 'Two-factor authentication',
  featureShort: '2FA',
  enableLink: 'Enable Two-Factor Authentication',
  disableLink: 'Disable Two-Factor Authentication',
  setUpTitle: 'Set up two-factor authentication',
  turnOn: 'Turn On',
  turnOff: 'Turn Off',
  isOn: 'Two-factor authentication is on.',
  isOff: 'Two-factor authentication is off.',
  app: 'authenticator app',
  codeLabel: 'Code from the app',
  codeIntro: 'Enter the 6-digit code from your authenticator app.',
  codeOrRecoveryLabel: 'A code from your authenticator app, or a recovery code',
  recoveryCode: 'recovery code',
  recoveryCodes: 'recovery codes',
  useRecoveryCode: 'Use a recovery code',
  useApp: 'Use your authenticator app instead',
  cantUseApp: 'Can’t use your authenticator app?',
  askAdmin:
    'No recovery codes either? Ask your administrator to turn two-factor authentication off for your account; you can then sign in with your password and set it up again.',
  remember: 'Remember this browser?',
  replaceLink: 'New phone? Replace your authenticator',
  regenerateLink: 'Generate new recovery codes',
});

/** Who or what makes a user set up two-factor authentication, as one sentence. */
export function requiredBecause(
  because: 'role' | 'client' | 'admin',
  clientName: string | undefined,
): string {
  if (because === 'admin') return 'Administrators must use two-factor authentication.';
  if (because === 'client') {
    return `${clientName ?? 'This application'} requires two-factor authentication.`;
  }
  return 'Your role requires two-factor authentication.';
}

/** The 90-day promise next to "Remember this browser?". */
export function rememberHint(days: number): string {
  return `You will not be asked for a code on this browser for ${days} days.`;
}

export type Words = typeof WORDS;
