import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { totpCodeAt } from '../../src/domain/totp.ts';
import { appBrandingOf } from '../../src/oidc/app-branding.ts';
import { CONSOLE_CLIENT_ID } from '../../src/services/seed.ts';
import {
  autofocused,
  createUserWithRoles,
  giveTwoFactor,
  inputTag,
  openConsoleWithCode,
  openPage,
} from '../support/admin-pages.ts';
import { openConsole, postForm, type Page } from '../support/console.ts';
import { createUser } from '../support/fixtures.ts';
import { startTestProvider, type TestProvider } from '../support/harness.ts';
import { formAction, hiddenInput, HttpBrowser } from '../support/http-browser.ts';
import {
  atCallback,
  authorizationRequest,
  discoverRp,
  open,
  signInWithPassword,
  submit,
  type TestRp,
} from '../support/relying-party.ts';
import {
  Authenticator,
  claimsAt,
  isEnrollPage,
  isLoginPage,
  isOtpPage,
  post,
  qrFromPage,
  secretFromPage,
} from '../support/two-factor.ts';

/**
 * The finishing touches of the sign-in, consent, error and account pages: each page names the
 * application and the person, keeps what was typed, ties an error to its field and focuses it,
 * and offers a way out ("Not you?", "Use another account"). Real HTTP against a real provider.
 */

/** A third-party app: the provider asks before it shares anything (seeded like Produce). */
const PARTNER = {
  client_id: 'partner-reports',
  client_secret: 'partner-reports-secret-1234',
  client_name: 'Partner Reports',
  redirect_uris: ['http://127.0.0.1:4003/callback'],
  post_logout_redirect_uris: [],
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  first_party: false,
  require_mfa: false,
};

/** A first-party app whose logo is on another origin, which the CSP would not load anyway. */
const FOREIGN_LOGO = {
  ...PARTNER,
  client_id: 'foreign-logo',
  client_secret: 'foreign-logo-secret-12345',
  client_name: 'Far Away',
  redirect_uris: ['http://127.0.0.1:4004/callback'],
  logo_uri: 'https://cdn.example.com/far-away.svg',
  first_party: true,
};

/** A first-party app that requires 2FA of everyone signing in to it. */
const STRICT = {
  ...PARTNER,
  client_id: 'ledger',
  client_secret: 'ledger-secret-123456789',
  client_name: 'Ledger',
  redirect_uris: ['http://127.0.0.1:4005/callback'],
  first_party: true,
  require_mfa: true,
};

/** The opening tag of the input with this id; fails the test when the page has none. */
function field(html: string, id: string): string {
  const tag = inputTag(html, id);
  if (!tag) throw new Error(`no input #${id} on the page`);
  return tag;
}

/** The opening tag of the element with this id, or null. */
function tagWithId(html: string, id: string): string | null {
  return new RegExp(`<[a-z]+\\b[^>]*\\bid="${id}"[^>]*>`).exec(html)?.[0] ?? null;
}

/** The text of the element with this id (no nested markup expected), or null. */
function textOf(html: string, id: string): string | null {
  return new RegExp(`<[a-z]+\\b[^>]*\\bid="${id}"[^>]*>([^<]*)<`).exec(html)?.[1] ?? null;
}

/** Whether an opening tag carries the boolean `autofocus` attribute. */
function hasAutofocus(tag: string): boolean {
  return /\sautofocus(?=[\s=/>])/.test(tag);
}

/** Undoes pug's attribute escaping of `&`. */
function unescapeHref(href: string): string {
  return href.replace(/&amp;/g, '&');
}

/** The "Signed in as" line of a page after the password: the email it shows, or null. */
function signedInAs(html: string): string | null {
  return /<p class="who">Signed in as <strong>([^<]*)<\/strong>/.exec(html)?.[1] ?? null;
}

/** Where the page's "Not you?" link leads, or null. */
function notYouHref(html: string): string | null {
  return /<a href="([^"]*)">Not you\?<\/a>/.exec(html)?.[1] ?? null;
}

/** The interaction uid of a sign-in page's URL. */
function uidOf(url: string): string {
  return /\/interaction\/([^/?]+)/.exec(url)?.[1] ?? '';
}

/**
 * Posts node-oidc-provider's self-submitting "end the other session" form, shown when a browser
 * signed in as one account finishes a sign-in as another, and follows where it leads.
 */
async function endPreviousSession(browser: HttpBrowser, page: Page): Promise<Page> {
  if (!page.html.includes('/session/end/confirm')) return page;
  const action = new URL(formAction(page.html, '/session/end/confirm'), page.url).toString();
  const response = await browser.post(action, {
    xsrf: hiddenInput(page.html, 'xsrf'),
    logout: 'yes',
  });
  const location = response.headers.get('location');
  if (!location) throw new Error(`session end answered ${response.status} without a redirect`);
  return openPage(browser, new URL(location, action).toString());
}

describe('appBrandingOf: how pages name an application', () => {
  const issuer = 'https://id.example.com';

  it('shows the registered name and a logo on the provider’s own origin, as a path', () => {
    expect(
      appBrandingOf(
        {
          clientId: 'produce',
          clientName: 'Produce',
          logoUri: 'https://id.example.com/static/logo-produce.svg',
        },
        issuer,
      ),
    ).toEqual({ name: 'Produce', logoUri: '/static/logo-produce.svg' });
  });

  it('leaves out a logo on another origin or that is not a URL, keeping the name', () => {
    for (const logoUri of [
      'https://cdn.example.com/logo.svg',
      'http://id.example.com/static/logo.svg',
      'https://id.example.com.evil.test/logo.svg',
      'not a url',
      42,
    ]) {
      expect(appBrandingOf({ clientId: 'x', clientName: 'X', logoUri }, issuer)).toEqual({
        name: 'X',
      });
    }
  });

  it('falls back to the client id without a name, and shows no banner for the account console', () => {
    expect(appBrandingOf({ clientId: 'nameless', clientName: '' }, issuer)).toEqual({
      name: 'nameless',
    });
    expect(appBrandingOf({ clientId: CONSOLE_CLIENT_ID, clientName: 'Twofold' }, issuer)).toBe(
      undefined,
    );
    expect(appBrandingOf(undefined, issuer)).toBe(undefined);
  });
});

describe('page polish: sign-in, consent, error and account pages', () => {
  let op: TestProvider;
  let produce: TestRp;
  let partner: TestRp;
  let foreign: TestRp;
  let strict: TestRp;
  let enforcing: { id: string };
  let admins: { id: string };

  beforeAll(async () => {
    op = await startTestProvider();
    for (const metadata of [PARTNER, FOREIGN_LOGO, STRICT]) await op.store.clients.upsert(metadata);
    const rpOf = (c: typeof PARTNER) =>
      discoverRp(op.config.issuer, c.client_id, c.client_secret, c.redirect_uris[0] ?? '');
    [produce, partner, foreign, strict] = await Promise.all([
      discoverRp(op.config.issuer),
      rpOf(PARTNER),
      rpOf(FOREIGN_LOGO),
      rpOf(STRICT),
    ]);
    enforcing = await op.store.roles.create({ name: 'polish-finance', enforce2fa: true });
    admins = await op.store.roles.create({ name: 'polish-admins', admin: true });
  });
  afterAll(async () => op?.close());

  /** A new browser at the password page of a new authorization request by `rp`. */
  async function loginPage(rp: TestRp) {
    const browser = new HttpBrowser();
    const pending = await authorizationRequest(rp);
    const page = await open(browser, rp, pending.url);
    expect(isLoginPage(page)).toBe(true);
    return { browser, pending, page };
  }

  describe('sign-in page: names the application', () => {
    it('says "Sign in to continue to Produce" with Produce’s logo, which the provider serves', async () => {
      const { page } = await loginPage(produce);
      expect(page.html).toMatch(
        /<p class="app-banner"><img class="app-logo" src="\/static\/logo-produce.svg" alt=""/,
      );
      expect(page.html).toContain('<span class="app-label">Sign in to continue to</span>');
      expect(page.html).toContain('<strong class="app-name">Produce</strong>');

      const logo = await fetch(`${op.url}/static/logo-produce.svg`);
      expect(logo.status).toBe(200);
      expect(logo.headers.get('content-type')).toContain('image/svg+xml');
      expect(await logo.text()).toContain('<svg');
    });

    it('names an application whose logo is on another origin, without the logo', async () => {
      const { page } = await loginPage(foreign);
      expect(page.html).toContain('<strong class="app-name">Far Away</strong>');
      expect(page.html).not.toContain('app-logo');
      expect(page.html).not.toContain('cdn.example.com');
    });

    it('shows no application banner on the account console’s own sign-in', async () => {
      const page = await openConsole(new HttpBrowser(), `${op.url}/account`);
      expect(isLoginPage(page)).toBe(true);
      expect(page.html).not.toContain('app-banner');
      expect(page.html).not.toContain('Sign in to continue to');
    });
  });

  describe('sign-in page: a wrong password', () => {
    it('keeps the email, focuses the password and ties the error to it', async () => {
      const user = await createUser(op, { email: 'typo@example.com' });
      const { browser, page } = await loginPage(produce);
      // A fresh page starts at the email.
      expect(hasAutofocus(field(page.html, 'email'))).toBe(true);
      expect(hasAutofocus(field(page.html, 'password'))).toBe(false);

      const refused = await submit(browser, produce, page, '/login', {
        email: user.email,
        password: `${user.password}-typo`,
      });
      expect(refused.status).toBe(401);
      const email = field(refused.html, 'email');
      expect(email).toContain(`value="${user.email}"`);
      expect(hasAutofocus(email)).toBe(false);
      const password = field(refused.html, 'password');
      expect(hasAutofocus(password)).toBe(true);
      expect(password).toContain('aria-invalid="true"');
      expect(password).toContain('aria-describedby="password-error"');
      expect(password).not.toContain('value=');
      expect(autofocused(refused.html)).toHaveLength(1);
      expect(textOf(refused.html, 'password-error')).toBe('Invalid email or password.');
      expect(tagWithId(refused.html, 'password-error')).toContain('role="alert"');
      // Still the same application's sign-in.
      expect(refused.html).toContain('<strong class="app-name">Produce</strong>');
    });
  });

  describe('pages after the password: "Signed in as" and "Not you?"', () => {
    it('lets someone at another person’s code page sign in as themselves instead', async () => {
      const first = await createUser(op, { email: 'first@example.com' });
      await giveTwoFactor(op, first.id);
      const other = await createUser(op, { email: 'other@example.com' });
      const browser = new HttpBrowser();
      const { step, pending } = await signInWithPassword(
        browser,
        produce,
        first.email,
        first.password,
      );
      expect(isOtpPage(step)).toBe(true);
      expect(signedInAs(step.html)).toBe(first.email);
      const uid = uidOf(step.url);
      expect(notYouHref(step.html)).toBe(`/interaction/${uid}/login`);

      const login = await open(browser, produce, `${op.url}${notYouHref(step.html) ?? ''}`);
      expect(isLoginPage(login)).toBe(true);
      const email = field(login.html, 'email');
      expect(email).not.toMatch(/value="[^"]/);
      expect(login.html).not.toContain(first.email);
      expect(signedInAs(login.html)).toBeNull();
      expect(login.html).toContain('<strong class="app-name">Produce</strong>');

      const done = await submit(browser, produce, login, '/login', {
        email: other.email,
        password: other.password,
      });
      expect(atCallback(produce, done)).toBe(true);
      const claims = await claimsAt(produce, done, pending);
      expect(claims.sub).toBe(other.id);
      expect(claims.email).toBe(other.email);
      // The first person's code page is gone with the finished sign-in.
      const stale = await browser.get(`${op.url}/interaction/${uid}/otp`);
      expect(stale.status).toBe(400);
      expect(await stale.text()).not.toContain(first.email);
    });

    it('offers the same way out on the set-up page that a role requires', async () => {
      const owing = await createUser(op, {
        email: 'owing@example.com',
        roleIds: [enforcing.id],
      });
      const other = await createUser(op, { email: 'owing-colleague@example.com' });
      const browser = new HttpBrowser();
      const { step, pending } = await signInWithPassword(
        browser,
        produce,
        owing.email,
        owing.password,
      );
      expect(isEnrollPage(step)).toBe(true);
      expect(signedInAs(step.html)).toBe(owing.email);
      expect(step.html).toContain('<strong class="app-name">Produce</strong>');
      const href = notYouHref(step.html);
      expect(href).toBe(`/interaction/${uidOf(step.url)}/login`);

      const login = await open(browser, produce, `${op.url}${href ?? ''}`);
      expect(isLoginPage(login)).toBe(true);
      expect(login.html).not.toContain(owing.email);
      const done = await submit(browser, produce, login, '/login', {
        email: other.email,
        password: other.password,
      });
      expect((await claimsAt(produce, done, pending)).sub).toBe(other.id);
      expect(await op.services.totp.status(owing.id)).toBeNull();
    });
  });

  describe('set-up page at sign-in', () => {
    it('leaves the steps in view, links the otpauth URI of the QR code, and words the requirement as information', async () => {
      const user = await createUser(op, { email: 'setup@example.com', roleIds: [enforcing.id] });
      const browser = new HttpBrowser();
      const { step } = await signInWithPassword(browser, produce, user.email, user.password);
      expect(isEnrollPage(step)).toBe(true);

      // No autofocus on a fresh page: on a phone it would scroll past the steps.
      expect(hasAutofocus(field(step.html, 'code'))).toBe(false);
      expect(autofocused(step.html)).toEqual([]);

      const link = /<a id="otpauth-link" href="([^"]*)"/.exec(step.html)?.[1];
      expect(link).toBeDefined();
      const otpauth = unescapeHref(link ?? '');
      expect(otpauth).toMatch(/^otpauth:\/\/totp\//);
      expect(otpauth).toBe(qrFromPage(step.html));
      expect(new URL(otpauth).searchParams.get('secret')).toBe(secretFromPage(step.html));
      expect(step.html).toMatch(/<button[^>]*data-copy="secret"[^>]*>Copy key<\/button>/);

      expect(step.html).toContain(
        '<p class="info">Your role requires two-factor authentication. You cannot sign in until you set it up.</p>',
      );
      expect(step.html).not.toMatch(/class="error"[^>]*>[^<]*requires two-factor/);

      // A wrong code: the field is focused and marked invalid, the error tied to it.
      const app = new Authenticator(secretFromPage(step.html));
      const wrong = await post(browser, produce, step, '/enroll', { code: app.wrong() });
      expect(wrong.response.status).toBe(401);
      const code = field(wrong.next.html, 'code');
      expect(hasAutofocus(code)).toBe(true);
      expect(code).toContain('aria-invalid="true"');
      expect(code).toContain('aria-describedby="code-error"');
      expect(textOf(wrong.next.html, 'code-error')).toContain('That code is not correct');
      expect(autofocused(wrong.next.html)).toHaveLength(1);
      expect(signedInAs(wrong.next.html)).toBe(user.email);
    });

    it('names the application when it is the application that requires 2FA', async () => {
      const user = await createUser(op, { email: 'strict@example.com' });
      const browser = new HttpBrowser();
      const { step } = await signInWithPassword(browser, strict, user.email, user.password);
      expect(isEnrollPage(step)).toBe(true);
      expect(step.html).toContain(
        '<p class="info">Ledger requires two-factor authentication. You cannot sign in until you set it up.</p>',
      );
      expect(step.html).toContain('<strong class="app-name">Ledger</strong>');
      expect(step.html).not.toContain('Your role requires');
    });
  });

  describe('code page', () => {
    it('uses the product’s words, points to recovery codes and the administrator, and keeps "Remember" after a wrong code', async () => {
      const user = await createUser(op, { email: 'coder@example.com' });
      const secret = await giveTwoFactor(op, user.id);
      const browser = new HttpBrowser();
      const { step, pending } = await signInWithPassword(
        browser,
        produce,
        user.email,
        user.password,
      );
      expect(isOtpPage(step)).toBe(true);
      const uid = uidOf(step.url);
      expect(step.html).toContain('<h1>Two-factor authentication</h1>');
      expect(step.html).toContain('<label for="code">Code from the app</label>');
      expect(step.html).toContain('Remember this browser?');
      expect(field(step.html, 'remember')).toContain('type="checkbox"');
      expect(field(step.html, 'remember')).not.toContain('checked');
      expect(hasAutofocus(field(step.html, 'code'))).toBe(true);
      expect(step.html).toContain('<strong>Can’t use your authenticator app?</strong>');
      expect(step.html).toContain(
        `<a id="use-recovery" href="/interaction/${uid}/recovery">Use a recovery code</a>`,
      );
      expect(step.html).toContain('Ask your administrator to turn two-factor authentication off');

      const recovery = await open(browser, produce, `${op.url}/interaction/${uid}/recovery`);
      expect(recovery.status).toBe(200);
      expect(recovery.html).toContain('<h1>Use a recovery code</h1>');

      const app = new Authenticator(secret);
      const wrong = await post(browser, produce, step, '/otp', {
        code: app.wrong(),
        remember: 'on',
      });
      expect(wrong.response.status).toBe(401);
      expect(field(wrong.next.html, 'remember')).toMatch(/\schecked(?=[\s=/>])/);
      const code = field(wrong.next.html, 'code');
      expect(code).toContain('aria-invalid="true"');
      expect(code).toContain('aria-describedby="code-error"');
      expect(autofocused(wrong.next.html)).toEqual([code]);

      // The right code still finishes the sign-in (the enrolment's own step was used up).
      const done = await post(browser, produce, wrong.next, '/otp', {
        code: totpCodeAt(secret, Date.now() + 30_000),
      });
      expect((await claimsAt(produce, done.next, pending)).sub).toBe(user.id);
    });
  });

  describe('consent page', () => {
    it('asks in plain words whether a third-party app may access the account, and Allow completes the sign-in', async () => {
      const user = await createUser(op, { email: 'consenter@example.com' });
      const browser = new HttpBrowser();
      const { step, pending } = await signInWithPassword(
        browser,
        partner,
        user.email,
        user.password,
        { scope: 'openid profile email' },
      );
      expect(step.status).toBe(200);
      expect(step.url).toMatch(/\/interaction\/[\w-]+$/);
      expect(step.html).toContain('<h1>Allow Partner Reports to access your account?</h1>');
      const lines = [...step.html.matchAll(/<li>([^<]*)<\/li>/g)].map((m) => m[1]);
      expect(lines).toContain('See your email address');
      expect(lines).toContain('See your name');
      for (const raw of ['openid', 'profile', 'email']) expect(lines).not.toContain(raw);
      expect(signedInAs(step.html)).toBe(user.email);
      expect(step.html).toMatch(/<button id="allow" type="submit">Allow<\/button>/);
      expect(step.html).toContain(
        `id="deny" href="/interaction/${uidOf(step.url)}/abort">Deny</a>`,
      );

      const allowed = await submit(browser, partner, step, '/confirm', {});
      expect(atCallback(partner, allowed)).toBe(true);
      const claims = await claimsAt(partner, allowed, pending);
      expect(claims.sub).toBe(user.id);
      expect(claims.email).toBe(user.email);
    });
  });

  describe('403 page', () => {
    it('offers a signed-in non-admin "Use another account", which asks for a password and reaches /admin as an admin', async () => {
      const plain = await createUser(op, { email: 'plain@example.com' });
      const admin = await createUserWithRoles(op, 'boss@example.com', [admins.id]);
      const secret = await giveTwoFactor(op, admin.id);
      const browser = new HttpBrowser();

      const refused = await openConsole(browser, `${op.url}/admin`, plain);
      expect(refused.status).toBe(403);
      const href =
        /<a class="button" id="another-account" href="([^"]*)">Use another account<\/a>/.exec(
          refused.html,
        )?.[1];
      expect(unescapeHref(href ?? '')).toBe('/account/login?prompt=login&return_to=%2Fadmin');

      // The session exists, but prompt=login asks for a password anyway.
      const login = await openPage(browser, `${op.url}${unescapeHref(href ?? '')}`);
      expect(login.status).toBe(200);
      expect(login.url).toMatch(/\/interaction\/[\w-]+$/);
      expect(login.html).toContain('name="password"');

      const codePage = await postForm(browser, login, '/login', {
        email: admin.email,
        password: admin.password,
      });
      expect(codePage.url).toMatch(/\/interaction\/[\w-]+\/otp$/);
      expect(signedInAs(codePage.html)).toBe(admin.email);
      const after = await postForm(browser, codePage, '/otp', {
        code: totpCodeAt(secret, Date.now() + 30_000),
      });
      const landed = await endPreviousSession(browser, after);
      expect(landed.url).toBe(`${op.url}/admin`);
      expect(landed.status).toBe(200);
      expect(landed.html).toContain(admin.email);
    });
  });

  describe('Profile: changing the password', () => {
    it('ties a refused new password to its field and a wrong current password to its own, changing nothing', async () => {
      const user = await createUser(op, { email: 'changer@example.com' });
      const browser = new HttpBrowser();
      const profile = await openConsole(browser, `${op.url}/account`, user);
      expect(profile.url).toBe(`${op.url}/account`);

      for (const [password, message] of [
        ['short1', 'Use at least 10 characters.'],
        ['password123', 'This password is too common; choose another one.'],
      ] as const) {
        const refused = await postForm(browser, profile, '/account/password', {
          current: user.password,
          password,
        });
        expect(refused.status).toBe(400);
        // The password form comes back, on Profile or on a page of its own.
        expect(refused.html).toMatch(/<form[^>]*action="\/account\/password"/);
        expect(textOf(refused.html, 'password-error')).toBe(message);
        const newPassword = field(refused.html, 'password');
        expect(newPassword).toContain('aria-invalid="true"');
        expect(newPassword).toContain('aria-describedby="password-error password-hint"');
        expect(hasAutofocus(newPassword)).toBe(true);
        expect(hasAutofocus(field(refused.html, 'current'))).toBe(false);
        expect(tagWithId(refused.html, 'current-error')).toBeNull();
      }

      const wrong = await postForm(browser, profile, '/account/password', {
        current: `${user.password}-wrong`,
        password: 'a-much-longer-new-passphrase',
      });
      expect(wrong.status).toBe(401);
      expect(wrong.html).toMatch(/<form[^>]*action="\/account\/password"/);
      expect(textOf(wrong.html, 'current-error')).toBe('Your current password is not correct.');
      const current = field(wrong.html, 'current');
      expect(current).toContain('aria-invalid="true"');
      expect(current).toContain('aria-describedby="current-error"');
      expect(hasAutofocus(current)).toBe(true);
      expect(field(wrong.html, 'password')).not.toContain('aria-invalid');
      expect(tagWithId(wrong.html, 'password-error')).toBeNull();

      const stored = await op.store.users.findById(user.id);
      const hash = stored?.passwordHash ?? '';
      expect(await op.services.passwords.verify(hash, user.password)).toBe(true);
      expect(await op.services.passwords.verify(hash, 'password123')).toBe(false);
    });
  });

  describe('Disable Two-Factor Authentication page', () => {
    it('ties "tick the box" to the confirmation checkbox and keeps 2FA on', async () => {
      const user = await createUser(op, { email: 'disabler@example.com' });
      const secret = await giveTwoFactor(op, user.id);
      const browser = new HttpBrowser();
      const page = await openConsoleWithCode(
        browser,
        `${op.url}/account/2fa/disable`,
        user,
        secret,
      );
      expect(page.url).toBe(`${op.url}/account/2fa/disable`);
      expect(hasAutofocus(field(page.html, 'code'))).toBe(true);
      expect(hasAutofocus(field(page.html, 'confirm'))).toBe(false);

      const unticked = await postForm(browser, page, '/account/2fa/disable', {
        code: totpCodeAt(secret, Date.now() + 30_000),
      });
      expect(unticked.status).toBe(400);
      const confirm = field(unticked.html, 'confirm');
      expect(confirm).toContain('type="checkbox"');
      expect(confirm).toContain('aria-invalid="true"');
      expect(confirm).toContain('aria-describedby="confirm-error"');
      expect(hasAutofocus(confirm)).toBe(true);
      expect(autofocused(unticked.html)).toHaveLength(1);
      expect(textOf(unticked.html, 'confirm-error')).toContain('Tick the box to confirm');
      expect(field(unticked.html, 'code')).not.toContain('aria-invalid');
      expect(await op.services.totp.status(user.id)).not.toBeNull();
    });
  });
});
