import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { totpCodeAt } from '../../src/domain/totp.ts';
import { startTestProvider, type TestProvider } from '../support/harness.ts';
import { HttpBrowser } from '../support/http-browser.ts';
import { createUser } from '../support/fixtures.ts';
import { openConsole, postForm, type Page } from '../support/console.ts';

function secretOf(page: Page): string {
  const match = /id="secret">([A-Z2-7 ]+)</.exec(page.html);
  if (!match?.[1]) throw new Error('no secret on page');
  return match[1].replace(/ /g, '');
}

describe('Profile page: self-service two-factor authentication', () => {
  let op: TestProvider;
  beforeAll(async () => {
    op = await startTestProvider({ env: { REAUTH_MAX_AGE_SECONDS: '60' } });
  });
  afterAll(async () => op?.close());

  it('asks anonymous visitors to sign in through the provider, then shows the Enable link', async () => {
    const user = await createUser(op, { email: 'pat@example.com', name: 'Pat' });
    const browser = new HttpBrowser();
    const first = await openConsole(browser, `${op.url}/account`);
    expect(first.url).toContain('/interaction/');
    expect(first.html).toContain('Sign in');
    const profile = await openConsole(browser, `${op.url}/account`, {
      email: user.email,
      password: user.password,
    });
    expect(profile.url).toBe(`${op.url}/account`);
    expect(profile.html).toContain('Enable Two-Factor Authentication');
    expect(profile.html).not.toContain('Disable Two-Factor Authentication');
  });

  it('turns 2FA on only after a correct code; a wrong code keeps it off; the link becomes Disable', async () => {
    const user = await createUser(op, { email: 'quinn@example.com' });
    const browser = new HttpBrowser();
    await openConsole(browser, `${op.url}/account`, { email: user.email, password: user.password });
    const enable = await openConsole(browser, `${op.url}/account/2fa/enable`);
    expect(enable.html).toContain('Turn On');
    expect(enable.html).toMatch(/<img class="qr" src="data:image\/png;base64,/);
    const secret = secretOf(enable);
    expect(secret).toHaveLength(32);

    const wrongCode = totpCodeAt(secret, Date.now()) === '000000' ? '111111' : '000000';
    const wrong = await postForm(browser, enable, '/account/2fa/enable', { code: wrongCode });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('not correct');
    expect(await op.services.totp.status(user.id)).toBeNull();

    const codes = await postForm(browser, wrong, '/account/2fa/enable', {
      code: totpCodeAt(secret, Date.now()),
    });
    expect(codes.html).toContain('I have saved these codes');
    const done = await openConsole(browser, `${op.url}/account?notice=enabled`);
    expect(done.html).toContain('Disable Two-Factor Authentication');
    expect((await op.services.totp.status(user.id))?.enabledAt).toBeInstanceOf(Date);
    // The secret is stored sealed in the credentials collection, never as text.
    expect((await op.store.credentials.findTotp(user.id))?.sealedSecret).not.toContain(secret);
  });

  it('refuses an expired pending secret and shows a new one', async () => {
    const user = await createUser(op, { email: 'riley@example.com' });
    const browser = new HttpBrowser();
    await openConsole(browser, `${op.url}/account`, { email: user.email, password: user.password });
    const enable = await openConsole(browser, `${op.url}/account/2fa/enable`);
    const secret = secretOf(enable);
    // The server clock cannot be moved from here, so the pending enrollment's expiry is moved instead.
    await op.store.connection.db
      ?.collection('enrollments')
      .updateMany({ userId: user.id }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const expired = await postForm(browser, enable, '/account/2fa/enable', {
      code: totpCodeAt(secret, Date.now()),
    });
    expect(expired.status).toBe(400);
    expect(expired.html).toContain('expired');
    expect(secretOf(expired)).not.toBe(secret);
    expect(await op.services.totp.status(user.id)).toBeNull();
  });

  it('asks for the password again before enrollment when the sign-in is not recent', async () => {
    const strict = await startTestProvider({ env: { REAUTH_MAX_AGE_SECONDS: '1' } });
    try {
      const user = await createUser(strict, { email: 'sam@example.com' });
      const browser = new HttpBrowser();
      await openConsole(browser, `${strict.url}/account`, {
        email: user.email,
        password: user.password,
      });
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const again = await openConsole(browser, `${strict.url}/account/2fa/enable`);
      expect(again.url).toContain('/interaction/');
      expect(again.html).toContain('Sign in');
      const fresh = await openConsole(browser, `${strict.url}/account/2fa/enable`, {
        email: user.email,
        password: user.password,
      });
      expect(fresh.url).toBe(`${strict.url}/account/2fa/enable`);
      expect(fresh.html).toContain('Turn On');
    } finally {
      await strict.close();
    }
  });

  it('disables 2FA only with a current code and a confirmation, never the password alone, forgetting remembered browsers', async () => {
    const user = await createUser(op, { email: 'tess@example.com' });
    const browser = new HttpBrowser();
    await openConsole(browser, `${op.url}/account`, { email: user.email, password: user.password });
    const enable = await openConsole(browser, `${op.url}/account/2fa/enable`);
    const secret = secretOf(enable);
    await postForm(browser, enable, '/account/2fa/enable', {
      code: totpCodeAt(secret, Date.now()),
    });
    await op.store.rememberedBrowsers.create({
      userId: user.id,
      tokenHash: 'a'.repeat(64),
      enrollmentId: (await op.services.totp.status(user.id))?.enrollmentId ?? '',
      label: 'x',
      expiresAt: new Date(Date.now() + 86_400_000),
    });

    const page = await openConsole(browser, `${op.url}/account/2fa/disable`);
    const badCode = await postForm(browser, page, '/account/2fa/disable', {
      code: '12345',
      confirm: 'yes',
    });
    expect(badCode.status).toBe(400);
    const noProof = await postForm(browser, page, '/account/2fa/disable', { confirm: 'yes' });
    expect(noProof.status).toBe(400);
    // The password alone is never enough to turn the second factor off.
    const passwordOnly = await postForm(browser, page, '/account/2fa/disable', {
      password: user.password,
      confirm: 'yes',
    });
    expect(passwordOnly.status).toBe(400);
    expect(passwordOnly.html).toContain('Enter a current code');
    const noConfirm = await postForm(browser, page, '/account/2fa/disable', {
      code: totpCodeAt(secret, Date.now() + 30_000),
    });
    expect(noConfirm.status).toBe(400);
    expect(await op.services.totp.status(user.id)).not.toBeNull();

    const done = await postForm(browser, page, '/account/2fa/disable', {
      code: totpCodeAt(secret, Date.now() + 30_000),
      confirm: 'yes',
    });
    expect(done.html).toContain('Enable Two-Factor Authentication');
    expect(await op.services.totp.status(user.id)).toBeNull();
    expect(await op.store.rememberedBrowsers.listForUser(user.id)).toHaveLength(0);
  });

  it('changing the password ends other sessions and forgets remembered browsers', async () => {
    const user = await createUser(op, { email: 'uma@example.com' });
    const browser = new HttpBrowser();
    const profile = await openConsole(browser, `${op.url}/account`, {
      email: user.email,
      password: user.password,
    });
    await op.store.rememberedBrowsers.create({
      userId: user.id,
      tokenHash: 'b'.repeat(64),
      enrollmentId: 'e',
      label: 'x',
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    const weak = await postForm(browser, profile, '/account/password', {
      current: user.password,
      password: 'short',
    });
    expect(weak.status).toBe(400);
    const changed = await postForm(browser, profile, '/account/password', {
      current: user.password,
      password: 'a-much-longer-new-passphrase',
    });
    expect(changed.html).toContain('Sign in');
    expect(await op.store.rememberedBrowsers.listForUser(user.id)).toHaveLength(0);
    const again = await openConsole(browser, `${op.url}/account`, {
      email: user.email,
      password: 'a-much-longer-new-passphrase',
    });
    expect(again.html).toContain('Profile');
  });
});
