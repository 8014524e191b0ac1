import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createUser } from '../support/fixtures.ts';
import { startTestProvider, type TestProvider } from '../support/harness.ts';
import { HttpBrowser } from '../support/http-browser.ts';
import {
  atCallback,
  authorizationRequest,
  discoverRp,
  open,
  signInWithPassword,
  type TestRp,
} from '../support/relying-party.ts';

/**
 * The provider saves a session again at the end of every request that used it. A request that
 * loaded the session just before "Sign out everywhere" must not bring it back when it finishes.
 */
describe('an ended session stays ended', () => {
  let op: TestProvider;
  let produce: TestRp;

  beforeAll(async () => {
    op = await startTestProvider();
    produce = await discoverRp(op.config.issuer);
  });
  afterAll(async () => op?.close());

  it('refuses to save a session that a concurrent request ended', async () => {
    const user = await createUser(op, { email: 'race-end@example.com' });
    const browser = new HttpBrowser();
    const { step } = await signInWithPassword(browser, produce, user.email, user.password);
    expect(atCallback(produce, step)).toBe(true);
    const jti = browser.cookies.get('_session');
    if (!jti) throw new Error('no session cookie');

    // A request in flight holds the session...
    const inFlight = await op.provider.Session.find(jti);
    expect(inFlight?.accountId).toBe(user.id);
    // ...while the user signs out everywhere...
    await op.services.sessions.signOutEverywhere(
      user.id,
      { id: user.id, email: user.email, ip: '127.0.0.1' },
      { forgetBrowsers: false },
    );
    // ...and then finishes, saving the session as the provider does.
    await inFlight?.save(1800);

    expect(await op.provider.Session.find(jti)).toBeUndefined();
    const again = await open(browser, produce, (await authorizationRequest(produce)).url);
    expect(again.html).toContain('name="password"');
  });

  it('keeps saving live sessions (a second sign-in in the same browser works)', async () => {
    const user = await createUser(op, { email: 'race-live@example.com' });
    const browser = new HttpBrowser();
    const first = await signInWithPassword(browser, produce, user.email, user.password);
    expect(atCallback(produce, first.step)).toBe(true);
    const sso = await open(browser, produce, (await authorizationRequest(produce)).url);
    expect(atCallback(produce, sso)).toBe(true);
  });
});
