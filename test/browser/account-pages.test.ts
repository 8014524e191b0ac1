import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { discoverRp, authorizationRequest, type TestRp } from '../support/relying-party.ts';
import type { Authenticator } from '../support/two-factor.ts';
import { auditPage } from './support/audit.ts';
import {
  clickThrough,
  expectAtApp,
  signIn,
  submitForm,
  visit,
  type Person,
} from './support/flows.ts';
import { createPerson } from './support/personas.ts';
import { authenticatorFromPage, pathOf, startSuite, type Suite } from './support/suite.ts';
import { openTab, WIDTHS, type Tab } from './support/widths.ts';

/** A third-party app: the provider asks the user before it shares their profile. */
const PARTNER = {
  client_id: 'partner-reports',
  client_secret: 'partner-reports-secret-1234',
  client_name: 'Partner Reports',
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  scope: 'openid profile email',
  first_party: false,
};

/** OpenID Connect scope names, which mean nothing to the person asked. */
const RAW_SCOPES = new Set(['openid', 'profile', 'email', 'roles', 'offline_access', 'address']);

/**
 * The pages of a person without 2FA (sign-in cancelled, Profile, consent, 403, 404, turning 2FA
 * on from Profile) and of people a role asks for 2FA (the set-up at sign-in, the grace period's
 * reminder), at each width. Each `it` is one page, checked by `auditPage`.
 */
describe('browser: account pages, consent, set-up at sign-in, error pages', () => {
  let suite: Suite;
  let partner: TestRp;
  let enforcing: string;
  let graceful: string;

  beforeAll(async () => {
    suite = await startSuite();
    const redirectUri = `${suite.appOrigin}/partner/callback`;
    await suite.op.store.clients.upsert({ ...PARTNER, redirect_uris: [redirectUri] });
    partner = await discoverRp(
      suite.op.config.issuer,
      PARTNER.client_id,
      PARTNER.client_secret,
      redirectUri,
    );
    const roles = suite.op.store.roles;
    enforcing = (await roles.create({ name: 'Engineering', enforce2fa: true })).id;
    graceful = (await roles.create({ name: 'Finance', enforce2fa: true, enforce2faGraceDays: 14 }))
      .id;
  });
  afterAll(async () => suite?.stop());

  for (const width of WIDTHS) {
    describe(`at ${width.name} width`, () => {
      describe('a person without 2FA', () => {
        let tab: Tab;
        let alan: Person & { id: string };
        let app: Authenticator;
        beforeAll(async () => {
          tab = await openTab(suite.browser, width);
          alan = await createPerson(suite.op, width.name, { local: 'alan', name: 'Alan Turing' });
        });
        afterAll(async () => tab?.context.close());

        it('sign-in cancelled (Cancel on the sign-in page of the account console)', async () => {
          await visit(tab.page, `${suite.op.url}/account`);
          await clickThrough(tab.page, tab.page.locator('a[href$="/abort"]'));
          expect(pathOf(tab.page)).toMatch(/^\/account\/callback/);
          await auditPage(tab, 'sign-in-cancelled');
        });

        it('Profile with 2FA off', async () => {
          await visit(tab.page, `${suite.op.url}/account`);
          await signIn(tab.page, alan);
          expect(pathOf(tab.page)).toBe('/account');
          await auditPage(tab, 'profile-2fa-off');
        });

        it('consent for a third-party app', async () => {
          const pending = await authorizationRequest(partner, { scope: 'openid profile email' });
          await visit(tab.page, pending.url);
          expect(pathOf(tab.page)).toMatch(/^\/interaction\/[^/]+$/);
          const listed = await tab.page.locator('main li').allTextContents();
          await auditPage(tab, 'consent');
          // What the app may do, in words: never the protocol's scope names.
          expect(listed.map((item) => item.trim()).filter((item) => RAW_SCOPES.has(item))).toEqual(
            [],
          );
        });

        it('allowing leads back to the app', async () => {
          await submitForm(tab.page, '/confirm');
          await expectAtApp(tab.page, partner.redirectUri);
        });

        it('403 (a person who is not an administrator opens /admin)', async () => {
          const response = await visit(tab.page, `${suite.op.url}/admin`);
          expect(response?.status()).toBe(403);
          await auditPage(tab, 'forbidden');
        });

        it('404', async () => {
          const response = await visit(tab.page, `${suite.op.url}/no-such-page`);
          expect(response?.status()).toBe(404);
          await auditPage(tab, 'not-found');
        });

        it('turn on 2FA from Profile', async () => {
          await visit(tab.page, `${suite.op.url}/account/2fa/enable`);
          expect(pathOf(tab.page)).toBe('/account/2fa/enable');
          app = await authenticatorFromPage(tab.page, suite.op.config.totp.window);
          await auditPage(tab, 'enable-2fa');
        });

        it('turn on 2FA after a wrong code: focus on the code', async () => {
          await submitForm(tab.page, '/account/2fa/enable', { code: app.wrong() });
          await auditPage(tab, 'enable-2fa-wrong', { focus: 'input[name="code"]' });
        });

        it('the recovery codes shown after Turn On', async () => {
          await submitForm(tab.page, '/account/2fa/enable', { code: await app.next() });
          await expect(suite.op.services.totp.status(alan.id)).resolves.toBeTruthy();
          await auditPage(tab, 'enable-2fa-recovery-codes');
        });
      });

      describe('a person whose role requires 2FA at once', () => {
        let tab: Tab;
        let kay: Person;
        let app: Authenticator;
        beforeAll(async () => {
          tab = await openTab(suite.browser, width);
          kay = await createPerson(suite.op, width.name, {
            local: 'katherine',
            name: 'Katherine Johnson',
            roleIds: [enforcing],
          });
        });
        afterAll(async () => tab?.context.close());

        it('the set-up at sign-in, with its QR code', async () => {
          await visit(tab.page, (await authorizationRequest(suite.rp)).url);
          await signIn(tab.page, kay);
          expect(pathOf(tab.page)).toMatch(/^\/interaction\/[^/]+\/enroll$/);
          await expect(tab.page.locator('img[src^="data:image/png"]').count()).resolves.toBe(1);
          app = await authenticatorFromPage(tab.page, suite.op.config.totp.window);
          await auditPage(tab, 'set-up');
        });

        it('the set-up after a wrong code: focus on the code', async () => {
          await submitForm(tab.page, '/enroll', { code: app.wrong() });
          await auditPage(tab, 'set-up-wrong', { focus: 'input[name="code"]' });
        });

        it('the recovery codes shown once after the set-up', async () => {
          await submitForm(tab.page, '/enroll', { code: await app.next() });
          await expect(tab.page.locator('form[action$="/continue"]').count()).resolves.toBe(1);
          await auditPage(tab, 'set-up-recovery-codes');
        });

        it('"I have saved these codes" leads back to the app', async () => {
          await submitForm(tab.page, '/continue');
          await expectAtApp(tab.page, suite.rp.redirectUri);
        });
      });

      describe('a person in a grace period', () => {
        let tab: Tab;
        let meg: Person;
        beforeAll(async () => {
          tab = await openTab(suite.browser, width);
          meg = await createPerson(suite.op, width.name, {
            local: 'margaret',
            name: 'Margaret Hamilton',
            roleIds: [graceful],
          });
        });
        afterAll(async () => tab?.context.close());

        it('the reminder at sign-in', async () => {
          await visit(tab.page, (await authorizationRequest(suite.rp)).url);
          await signIn(tab.page, meg);
          expect(pathOf(tab.page)).toMatch(/^\/interaction\/[^/]+\/reminder$/);
          await auditPage(tab, 'reminder');
        });

        it('"Remind me later" leads back to the app', async () => {
          await submitForm(tab.page, '/later');
          await expectAtApp(tab.page, suite.rp.redirectUri);
        });
      });
    });
  }
});
