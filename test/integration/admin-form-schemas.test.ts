import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { adminApiClient, adminApiToken } from '../support/admin-api.ts';
import { giveTwoFactor, openConsoleWithCode } from '../support/admin-pages.ts';
import { createUser } from '../support/fixtures.ts';
import { startTestProvider, type TestProvider } from '../support/harness.ts';
import { hiddenInput, HttpBrowser } from '../support/http-browser.ts';
import { Authenticator } from '../support/two-factor.ts';

/**
 * One schema per input: the admin HTML forms are parsed with the admin API's zod schemas, so a
 * value the API refuses is refused by the form too (issue 11: the form created users
 * `a\u0000b@…` and `ünï€ødé@ëxample.test` that the API refuses).
 */
describe('admin forms refuse what the admin API refuses', () => {
  let op: TestProvider;
  let browser: HttpBrowser;
  let token: string;
  let csrf: string;

  beforeAll(async () => {
    op = await startTestProvider();
    const role = await op.store.roles.create({ name: 'form-admin', admin: true });
    const admin = await createUser(op, { email: 'form-admin@example.com', roleIds: [role.id] });
    const secret = await giveTwoFactor(op, admin.id);
    browser = new HttpBrowser();
    const page = await openConsoleWithCode(browser, `${op.url}/admin/users/new`, admin, secret);
    expect(page.status).toBe(200);
    csrf = hiddenInput(page.html, 'csrf');
    // A second administrator for the API: each sign-in uses up a time step of its user's codes.
    const scripted = await createUser(op, { email: 'api-admin@example.com', roleIds: [role.id] });
    const app = new Authenticator(await giveTwoFactor(op, scripted.id), op.config.totp.window);
    app.lastStep = Math.floor(Date.now() / 30_000); // enrolling used the current step
    const script = await adminApiClient(op);
    token = await adminApiToken(script, `${op.config.issuer}/admin/api`, { ...scripted, app });
  }, 90_000);
  afterAll(async () => op?.close());

  async function api(method: string, path: string, body: unknown) {
    const response = await fetch(`${op.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as { error?: string } };
  }

  async function form(path: string, fields: Array<[string, string]>) {
    const response = await browser.request(`${op.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams([['csrf', csrf], ...fields]).toString(),
    });
    return { status: response.status, html: await response.text() };
  }

  it.each(['a\u0000b@example.com', 'ünï€ødé@ëxample.test', 'no-at-sign', 'a@b'])(
    'refuses the email %j in both, and creates nobody',
    async (email) => {
      const password = 'a long enough passphrase';
      const viaApi = await api('POST', '/admin/api/users', { email, password });
      expect([viaApi.status, viaApi.json.error]).toEqual([400, 'validation_failed']);
      const viaForm = await form('/admin/users', [
        ['email', email],
        ['password', password],
      ]);
      expect(viaForm.status).toBe(400);
      expect(viaForm.html).toContain('Enter a valid email address.');
      expect(await op.store.users.findByEmail(email)).toBeNull();
    },
  );

  it('refuses a too-short password in both, before any user is created', async () => {
    const email = 'short-password@example.com';
    expect((await api('POST', '/admin/api/users', { email, password: 'short' })).status).toBe(400);
    const viaForm = await form('/admin/users', [
      ['email', email],
      ['password', 'short'],
    ]);
    expect(viaForm.status).toBe(400);
    expect(viaForm.html).toContain('Enter an initial password of 10 to 256 characters.');
    expect(await op.store.users.findByEmail(email)).toBeNull();
  });

  it.each([
    { name: '   ', graceDays: '0' },
    { name: 'x'.repeat(101), graceDays: '0' },
    { name: 'Grace too long', graceDays: '366' },
    { name: 'Grace negative', graceDays: '-1' },
    { name: 'Grace fraction', graceDays: '2.5' },
    { name: 'Grace words', graceDays: 'seven' },
  ])('refuses the role %j in both, and creates none', async ({ name, graceDays }) => {
    const days = Number(graceDays);
    const viaApi = await api('POST', '/admin/api/roles', {
      name,
      enforce2fa: true,
      enforce2faGraceDays: Number.isNaN(days) ? graceDays : days,
    });
    expect([viaApi.status, viaApi.json.error]).toEqual([400, 'validation_failed']);
    const viaForm = await form('/admin/roles', [
      ['name', name],
      ['enforce2fa', 'on'],
      ['graceDays', graceDays],
    ]);
    expect(viaForm.status).toBe(400);
    expect(viaForm.html).toContain('class="error"');
    expect(await op.store.roles.findByName(name.trim())).toBeNull();
  });

  it('accepts in the form what the API accepts', async () => {
    const created = await form('/admin/roles', [
      ['name', 'Grace fine'],
      ['enforce2fa', 'on'],
      ['graceDays', '365'],
    ]);
    expect(created.status).toBe(303);
    expect((await op.store.roles.findByName('Grace fine'))?.enforce2faGraceDays).toBe(365);
    const user = await form('/admin/users', [
      ['email', '  fine@example.com '],
      ['password', 'a long enough passphrase'],
    ]);
    expect(user.status).toBe(303);
    expect(await op.store.users.findByEmail('fine@example.com')).not.toBeNull();
  });
});
