import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { authorizationRequest } from '../support/relying-party.ts';
import type { Authenticator } from '../support/two-factor.ts';
import { auditPage } from './support/audit.ts';
import {
  clickThrough,
  expectAtApp,
  form,
  interactionOf,
  setTicked,
  signIn,
  submitForm,
  visit,
  type Person,
} from './support/flows.ts';
import { createPerson, turnOnTwoFactor } from './support/personas.ts';
import { pathOf, startSuite, type Suite } from './support/suite.ts';
import { openTab, WIDTHS, type Tab } from './support/widths.ts';

/**
 * Every page of a sign-in with 2FA, then the account pages of the same person (Profile with a
 * remembered browser, the 2FA pages) and signing out, at each width. Each `it` is one page,
 * reached from the page before it in the same browser tab, and checked by `auditPage`.
 */
describe('browser: sign-in with 2FA and the account pages', () => {
  let suite: Suite;
  beforeAll(async () => {
    suite = await startSuite();
  });
  afterAll(async () => suite?.stop());

  for (const width of WIDTHS) {
    describe(`at ${width.name} width`, () => {
      let tab: Tab;
      let ada: Person & { id: string; app: Authenticator };
      /** The first sign-in's page, opened again once that sign-in has finished. */
      let firstSignIn: string;

      beforeAll(async () => {
        tab = await openTab(suite.browser, width);
        const person = await createPerson(suite.op, width.name, {
          local: 'ada',
          name: 'Ada Lovelace',
        });
        const app = await turnOnTwoFactor(suite.op, person.id, suite.op.config.totp.window);
        ada = { ...person, app };
      });
      afterAll(async () => tab?.context.close());

      it('sign-in page', async () => {
        await visit(tab.page, (await authorizationRequest(suite.rp)).url);
        firstSignIn = interactionOf(tab.page);
        await auditPage(tab, 'sign-in');
      });

      it('sign-in page after a wrong password: focus on the password', async () => {
        await submitForm(tab.page, '/login', { email: ada.email, password: 'not-the-password' });
        await auditPage(tab, 'sign-in-wrong-password', { focus: 'input[name="password"]' });
      });

      it('code page', async () => {
        await submitForm(tab.page, '/login', { email: ada.email, password: ada.password });
        expect(pathOf(tab.page)).toMatch(/^\/interaction\/[^/]+\/otp$/);
        await auditPage(tab, 'code');
      });

      it('recovery-code page ("Use a recovery code")', async () => {
        await clickThrough(tab.page, tab.page.locator('a[href$="/recovery"]'));
        expect(pathOf(tab.page)).toMatch(/\/recovery$/);
        await auditPage(tab, 'recovery-code');
      });

      it('recovery-code page after a wrong recovery code: focus on the code', async () => {
        await submitForm(tab.page, '/recovery', { code: 'zzzzz-zzzzz' });
        await auditPage(tab, 'recovery-code-wrong', { focus: 'input[name="code"]' });
      });

      it('code page after a wrong code: focus on the code, "Remember" still ticked', async () => {
        await visit(tab.page, `${firstSignIn}/otp`);
        await setTicked(form(tab.page, '/otp').locator('input[name="remember"]'), true);
        await submitForm(tab.page, '/otp', { code: ada.app.wrong() });
        const remember = form(tab.page, '/otp').locator('input[name="remember"]');
        const stillTicked = await remember.isChecked();
        await auditPage(tab, 'code-wrong', { focus: 'input[name="code"]' });
        expect(stillTicked).toBe(true);
      });

      it('a correct code signs in and remembers the browser', async () => {
        await submitForm(tab.page, '/otp', { code: await ada.app.next() });
        await expectAtApp(tab.page, suite.rp.redirectUri);
        // A new sign-in with the password (prompt=login): the remembered browser skips the code.
        await visit(tab.page, (await authorizationRequest(suite.rp, { prompt: 'login' })).url);
        await submitForm(tab.page, '/login', { email: ada.email, password: ada.password });
        await expectAtApp(tab.page, suite.rp.redirectUri);
      });

      it('"This sign-in has ended" (a finished sign-in opened again)', async () => {
        await visit(tab.page, firstSignIn);
        await auditPage(tab, 'sign-in-ended');
      });

      it('Profile with 2FA on, a remembered browser and sessions', async () => {
        await visit(tab.page, `${suite.op.url}/account`);
        await signIn(tab.page, ada);
        expect(pathOf(tab.page)).toBe('/account');
        await expect(suite.op.services.account.rememberedBrowsers(ada.id)).resolves.toHaveLength(1);
        await auditPage(tab, 'profile');
      });

      it('Profile after a wrong current password: focus on it', async () => {
        await submitForm(tab.page, '/account/password', {
          current: 'not-the-password',
          password: 'A-new-passphrase-2',
        });
        await auditPage(tab, 'profile-wrong-password', { focus: 'input[name="current"]' });
      });

      it('generate new recovery codes', async () => {
        await visit(tab.page, `${suite.op.url}/account/2fa/recovery-codes`);
        expect(pathOf(tab.page)).toBe('/account/2fa/recovery-codes');
        await auditPage(tab, 'new-recovery-codes');
      });

      it('generate new recovery codes after a wrong code: focus on the code', async () => {
        await submitForm(tab.page, '/account/2fa/recovery-codes', { code: ada.app.wrong() });
        await auditPage(tab, 'new-recovery-codes-wrong', { focus: 'input[name="code"]' });
      });

      it('replace the authenticator: proving the current factor', async () => {
        await visit(tab.page, `${suite.op.url}/account/2fa/replace`);
        expect(pathOf(tab.page)).toBe('/account/2fa/replace');
        await auditPage(tab, 'replace-authenticator');
      });

      it('replace the authenticator: setting up the new app', async () => {
        const recoveryCode = ada.app.recoveryCodes[0] ?? '';
        await submitForm(tab.page, '/account/2fa/replace', { code: recoveryCode });
        expect(pathOf(tab.page)).toBe('/account/2fa/replace/confirm');
        await auditPage(tab, 'replace-authenticator-new-app');
      });

      it('disable 2FA', async () => {
        await visit(tab.page, `${suite.op.url}/account/2fa/disable`);
        expect(pathOf(tab.page)).toBe('/account/2fa/disable');
        await auditPage(tab, 'disable-2fa');
      });

      it("the account console's sign-out page", async () => {
        await visit(tab.page, `${suite.op.url}/account/logout`);
        await auditPage(tab, 'account-sign-out');
      });

      it("the provider's sign-out confirmation (/session/end)", async () => {
        await submitForm(tab.page, '/account/logout');
        expect(pathOf(tab.page)).toMatch(/^\/session\/end/);
        await auditPage(tab, 'sign-out');
      });

      it('the signed-out page', async () => {
        await clickThrough(tab.page, tab.page.locator('[name="logout"][value="yes"]'));
        await auditPage(tab, 'signed-out');
      });
    });
  }
});
