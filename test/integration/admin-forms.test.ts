import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import {
  autofocused,
  giveTwoFactor,
  inputTag,
  openPage,
  signedInAdmin,
  submitForm,
} from '../support/admin-pages.ts';
import { createUser } from '../support/fixtures.ts';
import { startTestProvider, type TestProvider } from '../support/harness.ts';
import { hiddenInput, type HttpBrowser } from '../support/http-browser.ts';

/** The error shown under field `id`, or null. */
function fieldError(html: string, id: string): string | null {
  return new RegExp(`<p class="field-error" id="${id}-error">([^<]*)</p>`).exec(html)?.[1] ?? null;
}

describe('Admin forms: errors beside their fields, focus, wording', () => {
  let op: TestProvider;
  let browser: HttpBrowser;
  let admin: Awaited<ReturnType<typeof signedInAdmin>>['admin'];
  let csrf: string;
  const tag = randomBytes(3).toString('hex');
  const email = (name: string) => `${name}-${tag}@example.com`;

  beforeAll(async () => {
    op = await startTestProvider();
    ({ browser, admin } = await signedInAdmin(op, email('admin')));
    csrf = hiddenInput((await openPage(browser, `${op.url}/admin/users/new`)).html, 'csrf');
  });
  afterAll(async () => op?.close());

  it('ties each invalid field of the new-user form to its message, focusing the first', async () => {
    const page = await submitForm(browser, `${op.url}/admin/users`, [
      ['csrf', csrf],
      ['email', 'not-an-email'],
      ['password', 'short'],
    ]);
    expect(page.status).toBe(400);
    expect(fieldError(page.html, 'email')).toBe('Enter a valid email address.');
    expect(fieldError(page.html, 'password')).toBe(
      'Enter an initial password of 10 to 256 characters.',
    );
    const emailTag = inputTag(page.html, 'email') ?? '';
    expect(emailTag).toContain('aria-invalid="true"');
    expect(emailTag).toContain('aria-describedby="email-error"');
    const passwordTag = inputTag(page.html, 'password') ?? '';
    expect(passwordTag).toContain('aria-invalid="true"');
    expect(passwordTag).toContain('aria-describedby="password-hint password-error"');
    expect(autofocused(page.html)).toEqual([emailTag]);
    expect(inputTag(page.html, 'name')).not.toContain('aria-invalid');
    // A summary at the top links to each field.
    expect(page.html).toMatch(/<div class="error" id="error-summary" role="alert">/);
    expect(page.html).toContain('<a href="#email">Enter a valid email address.</a>');
    expect(page.html).toContain('<a href="#password">');
    expect(page.html).toContain('value="not-an-email"');
  });

  it('speaks of the user’s email, not “your” email, when an admin picks a password', async () => {
    const page = await submitForm(browser, `${op.url}/admin/users`, [
      ['csrf', csrf],
      ['email', email('jane.doe')],
      ['name', 'Jane Doe'],
      ['password', `jane.doe-${tag}-2026`],
    ]);
    expect(page.status).toBe(400);
    expect(fieldError(page.html, 'password')).toBe(
      'The password must not contain the user’s email address or name.',
    );
    expect(page.html).not.toContain('your email');
    expect(autofocused(page.html)).toEqual([inputTag(page.html, 'password')]);
    expect(inputTag(page.html, 'email')).not.toContain('aria-invalid');
    expect(await op.store.users.findByEmail(email('jane.doe'))).toBeNull();

    const existing = await createUser(op, { email: email('john.roe'), name: 'John Roe' });
    const edit = await submitForm(browser, `${op.url}/admin/users/${existing.id}`, [
      ['csrf', csrf],
      ['email', existing.email],
      ['name', 'John Roe'],
      ['password', `john.roe-${tag}-2026`],
    ]);
    expect(edit.status).toBe(400);
    expect(fieldError(edit.html, 'password')).toBe(
      'The password must not contain the user’s email address or name.',
    );
  });

  it('shows a taken email under the email field, on the new and the edit form', async () => {
    const taken = await createUser(op, { email: email('taken') });
    const created = await submitForm(browser, `${op.url}/admin/users`, [
      ['csrf', csrf],
      ['email', taken.email],
      ['password', 'a long enough passphrase'],
    ]);
    expect(created.status).toBe(409);
    expect(fieldError(created.html, 'email')).toContain('already exists');
    expect(autofocused(created.html)).toEqual([inputTag(created.html, 'email')]);

    const other = await createUser(op, { email: email('other'), name: 'Other' });
    const edited = await submitForm(browser, `${op.url}/admin/users/${other.id}`, [
      ['csrf', csrf],
      ['email', taken.email],
      ['name', 'Other'],
    ]);
    expect(edited.status).toBe(409);
    expect(fieldError(edited.html, 'email')).toContain('already exists');
    expect(inputTag(edited.html, 'email')).toContain('aria-describedby="email-error"');
    expect(autofocused(edited.html)).toEqual([inputTag(edited.html, 'email')]);
    expect((await op.store.users.findById(other.id))?.email).toBe(other.email);
  });

  it('shows role and group errors under their fields', async () => {
    const grace = await submitForm(browser, `${op.url}/admin/roles`, [
      ['csrf', csrf],
      ['name', `phased-${tag}`],
      ['enforce2fa', 'on'],
      ['graceDays', '2.5'],
    ]);
    expect(grace.status).toBe(400);
    expect(fieldError(grace.html, 'graceDays')).toBe(
      'Enter the grace period as a whole number of days from 0 to 365.',
    );
    const graceTag = inputTag(grace.html, 'graceDays') ?? '';
    expect(graceTag).toContain('aria-describedby="graceDays-hint graceDays-error"');
    expect(autofocused(grace.html)).toEqual([graceTag]);

    const role = await op.store.roles.create({ name: `taken-role-${tag}` });
    const dupRole = await submitForm(browser, `${op.url}/admin/roles`, [
      ['csrf', csrf],
      ['name', role.name],
    ]);
    expect(dupRole.status).toBe(409);
    expect(fieldError(dupRole.html, 'name')).toContain('already exists');
    const other = await op.store.roles.create({ name: `other-role-${tag}` });
    const renamed = await submitForm(browser, `${op.url}/admin/roles/${other.id}`, [
      ['csrf', csrf],
      ['name', role.name],
    ]);
    expect(renamed.status).toBe(409);
    expect(autofocused(renamed.html)).toEqual([inputTag(renamed.html, 'name')]);

    const group = await op.store.groups.create({ name: `taken-group-${tag}`, roleIds: [] });
    const dupGroup = await submitForm(browser, `${op.url}/admin/groups`, [
      ['csrf', csrf],
      ['name', group.name],
    ]);
    expect(dupGroup.status).toBe(409);
    expect(fieldError(dupGroup.html, 'name')).toContain('already exists');
    const otherGroup = await op.store.groups.create({ name: `other-group-${tag}`, roleIds: [] });
    const emptyName = await submitForm(browser, `${op.url}/admin/groups/${otherGroup.id}`, [
      ['csrf', csrf],
      ['name', ''],
    ]);
    expect(emptyName.status).toBe(400);
    expect(fieldError(emptyName.html, 'name')).toBe(
      'Enter a name for the group (100 characters at most).',
    );
    expect(autofocused(emptyName.html)).toEqual([inputTag(emptyName.html, 'name')]);
  });

  it('keeps an error that belongs to no field at the top, with no field marked', async () => {
    // The only administrator removing their own admin role: a guard rail, about no one field.
    const page = await submitForm(browser, `${op.url}/admin/users/${admin.id}`, [
      ['csrf', csrf],
      ['email', admin.email],
      ['name', admin.name],
      ['twoFactorShown', 'on'],
      ['twoFactorEnabled', 'on'],
    ]);
    expect(page.status).toBe(409);
    expect(page.html).toMatch(/<p class="error" role="alert">[^<]*last administrator/);
    expect(page.html).not.toContain('aria-invalid');
    expect(page.html).not.toContain('class="field-error"');
    expect(page.html).not.toContain('id="error-summary"');
    expect(autofocused(page.html)).toEqual([]);
  });

  it('asks to confirm turning 2FA off right under the heading, with focus on the question', async () => {
    const user = await createUser(op, { email: email('lostphone') });
    await giveTwoFactor(op, user.id);
    const edit = await openPage(browser, `${op.url}/admin/users/${user.id}`);
    expect(edit.html).not.toContain('id="confirm-2fa"');
    expect(autofocused(edit.html)).toEqual([]);
    const asked = await submitForm(browser, `${op.url}/admin/users/${user.id}`, [
      ['csrf', csrf],
      ['twoFactorShown', 'on'],
      ['email', user.email],
      ['name', ''],
    ]);
    expect(asked.status).toBe(200);
    const confirm = inputTag(asked.html, 'confirmDisable2fa') ?? '';
    expect(confirm).toContain('name="confirmDisable2fa"');
    expect(confirm).toContain('value="yes"');
    expect(autofocused(asked.html)).toEqual([confirm]);
    // Before every other field of the form, just after the heading and the user's email.
    const h1 = asked.html.indexOf('<h1>');
    const box = asked.html.indexOf('id="confirm-2fa"');
    expect(h1).toBeGreaterThan(-1);
    expect(box).toBeGreaterThan(h1);
    expect(box).toBeLessThan(asked.html.indexOf('id="email"'));
    expect(asked.html.slice(h1, box)).not.toMatch(/<h2|<label/);
    expect(inputTag(asked.html, 'twofactor')).not.toMatch(/\schecked/);
    expect(await op.services.totp.status(user.id)).not.toBeNull();
  });
});
