import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { Role } from '../../src/store/repos/roles.repo.ts';
import {
  createUserWithRoles,
  giveTwoFactor,
  inputTag,
  openConsoleWithCode,
  openPage as open,
  submitForm as submit,
} from '../support/admin-pages.ts';
import { openConsole } from '../support/console.ts';
import { createUser } from '../support/fixtures.ts';
import { startTestProvider, type TestProvider } from '../support/harness.ts';
import { hiddenInput, HttpBrowser } from '../support/http-browser.ts';

type Fields = Array<[string, string]>;

/** The fields the user edit form submits as rendered (checked boxes only; disabled ones never). */
function userFormFields(html: string): Fields {
  const fields: Fields = [];
  const form = /<form id="user-form"[\s\S]*?<\/form>/.exec(html)?.[0] ?? '';
  for (const tag of form.match(/<input[^>]*>/g) ?? []) {
    const name = /name="([^"]*)"/.exec(tag)?.[1];
    const value = /value="([^"]*)"/.exec(tag)?.[1] ?? '';
    const type = /type="([^"]*)"/.exec(tag)?.[1] ?? 'text';
    if (!name || /\sdisabled/.test(tag)) continue;
    if (type === 'checkbox' && !/\schecked/.test(tag)) continue;
    if (type === 'password') continue;
    fields.push([name, value.replace(/&amp;/g, '&')]);
  }
  return fields;
}

function without(fields: Fields, name: string): Fields {
  return fields.filter(([k]) => k !== name);
}

function replace(fields: Fields, name: string, value: string): Fields {
  return [...without(fields, name), [name, value]];
}

describe('Admin pages', () => {
  let op: TestProvider;
  let opsAdmin: Role;
  let boss: Awaited<ReturnType<typeof createUser>>;
  let browser: HttpBrowser;
  const email = (name: string) => `${name}-${randomBytes(3).toString('hex')}@example.com`;

  beforeAll(async () => {
    op = await startTestProvider();
    opsAdmin = await op.store.roles.create({ name: 'ops-admin', admin: true, enforce2fa: false });
    boss = await createUserWithRoles(op, 'boss@example.com', [opsAdmin.id]);
    browser = new HttpBrowser();
    // Admins always sign in with a second factor, whatever their role's enforce flag.
    const secret = await giveTwoFactor(op, boss.id);
    const page = await openConsoleWithCode(browser, `${op.url}/admin`, boss, secret);
    expect(page.url).toBe(`${op.url}/admin`);
    expect(page.html).toContain('Administration');
  });
  afterAll(async () => op?.close());

  it('sends an anonymous visitor to sign in through the provider', async () => {
    const anonymous = new HttpBrowser();
    const first = await anonymous.get(`${op.url}/admin/users`);
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toContain('/auth?');
    const page = await open(anonymous, `${op.url}/admin/users`);
    expect(page.url).toContain('/interaction/');
    expect(page.html).toContain('name="password"');
    const post = await anonymous.post(`${op.url}/admin/roles`, { name: 'x', csrf: 'x' });
    expect(post.status).toBe(401);
    expect(await op.store.roles.findByName('x')).toBeNull();
  });

  it('answers 403 to a signed-in user without an admin role', async () => {
    const user = await createUser(op, { email: email('plain') });
    const other = new HttpBrowser();
    const page = await openConsole(other, `${op.url}/admin`, user);
    expect(page.status).toBe(403);
    expect(page.url).toBe(`${op.url}/admin`);
    expect(page.html).toContain('only for administrators');
    expect((await open(other, `${op.url}/admin/users`)).status).toBe(403);
  });

  it('keeps the last administrator from removing their own admin access', async () => {
    const edit = await open(browser, `${op.url}/admin/users/${boss.id}`);
    expect(edit.status).toBe(200);
    const fields = without(userFormFields(edit.html), 'roleIds');
    const refused = await submit(browser, `${op.url}/admin/users/${boss.id}`, fields);
    expect(refused.status).toBe(409);
    expect(refused.html).toContain('last administrator');
    expect((await op.store.users.findById(boss.id))?.roleIds).toEqual([opsAdmin.id]);
    const disabling = await submit(browser, `${op.url}/admin/users/${boss.id}`, [
      ...userFormFields(edit.html),
      ['disabled', 'on'],
    ]);
    expect(disabling.status).toBe(409);
    expect((await op.store.users.findById(boss.id))?.disabled).toBe(false);
  });

  it('lists users and searches by email and name', async () => {
    await createUser(op, { email: 'alice.admintest@example.com', name: 'Alice Liddell' });
    await createUser(op, { email: 'bob.admintest@example.com', name: 'Robert Paulson' });
    const all = await open(browser, `${op.url}/admin/users`);
    expect(all.status).toBe(200);
    expect(all.html).toContain('alice.admintest@example.com');
    expect(all.html).toContain('bob.admintest@example.com');
    const byEmail = await open(browser, `${op.url}/admin/users?search=alice`);
    expect(byEmail.html).toContain('alice.admintest@example.com');
    expect(byEmail.html).not.toContain('bob.admintest@example.com');
    const byName = await open(browser, `${op.url}/admin/users?search=paulson`);
    expect(byName.html).toContain('bob.admintest@example.com');
    expect(byName.html).not.toContain('alice.admintest@example.com');
  });

  it('paginates the user list', async () => {
    for (let i = 0; i < 21; i++) await createUser(op, { email: `page${i}.pg@example.com` });
    const first = await open(browser, `${op.url}/admin/users?search=.pg%40`);
    expect(first.html).toContain('Page 1 of 2');
    expect(first.html).toContain('page=2');
    const second = await open(browser, `${op.url}/admin/users?search=.pg%40&page=2`);
    expect(second.html).toContain('Page 2 of 2');
    expect((second.html.match(/\.pg@example\.com/g) ?? []).length).toBe(1);
  });

  it('shows the 2FA checkbox checked and enabled with 2FA on, unchecked and disabled with it off', async () => {
    const on = await createUser(op, { email: email('with2fa') });
    await giveTwoFactor(op, on.id);
    const off = await createUser(op, { email: email('without2fa') });

    const onTag = inputTag(
      (await open(browser, `${op.url}/admin/users/${on.id}`)).html,
      'twofactor',
    );
    expect(onTag).toContain('name="twoFactorEnabled"');
    expect(onTag).toContain('type="checkbox"');
    expect(onTag).toMatch(/\schecked/);
    expect(onTag).not.toMatch(/\sdisabled/);

    const offTag = inputTag(
      (await open(browser, `${op.url}/admin/users/${off.id}`)).html,
      'twofactor',
    );
    expect(offTag).toContain('name="twoFactorEnabled"');
    expect(offTag).not.toMatch(/\schecked/);
    expect(offTag).toMatch(/\sdisabled/);
  });

  it('saving never turns 2FA on, and keeps it on while the box stays checked', async () => {
    const off = await createUser(op, { email: email('keepoff'), name: 'Before' });
    const offPage = await open(browser, `${op.url}/admin/users/${off.id}`);
    const savedOff = await submit(
      browser,
      `${op.url}/admin/users/${off.id}`,
      replace(userFormFields(offPage.html), 'name', 'After'),
    );
    expect(savedOff.status).toBe(200);
    expect(savedOff.html).toContain('The changes were saved');
    const storedOff = await op.store.users.findById(off.id);
    expect(storedOff?.name).toBe('After');
    expect(await op.services.totp.status(off.id)).toBeNull();
    // A hand-made POST claiming the box was checked is ignored, not an attempt to turn 2FA on.
    const forged = await submit(browser, `${op.url}/admin/users/${off.id}`, [
      ...userFormFields(offPage.html),
      ['twoFactorEnabled', 'on'],
    ]);
    expect(forged.status).toBe(200);
    expect(await op.services.totp.status(off.id)).toBeNull();

    const on = await createUser(op, { email: email('keepon'), name: 'Before' });
    await giveTwoFactor(op, on.id);
    const onPage = await open(browser, `${op.url}/admin/users/${on.id}`);
    const savedOn = await submit(
      browser,
      `${op.url}/admin/users/${on.id}`,
      replace(userFormFields(onPage.html), 'name', 'After'),
    );
    expect(savedOn.html).toContain('The changes were saved');
    expect(savedOn.html).not.toContain('confirmDisable2fa');
    const storedOn = await op.store.users.findById(on.id);
    expect(storedOn?.name).toBe('After');
    expect(await op.services.totp.status(on.id)).not.toBeNull();
  });

  it('turns 2FA off after a confirmation and forgets remembered browsers', async () => {
    const user = await createUser(op, { email: email('lostphone') });
    await giveTwoFactor(op, user.id);
    await op.store.rememberedBrowsers.create({
      userId: user.id,
      tokenHash: randomBytes(32).toString('hex'),
      enrollmentId: (await op.services.totp.status(user.id))?.enrollmentId ?? '',
      label: 'Chrome on Linux',
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    expect(await op.store.rememberedBrowsers.listForUser(user.id)).toHaveLength(1);

    const edit = await open(browser, `${op.url}/admin/users/${user.id}`);
    const unchecked = without(userFormFields(edit.html), 'twoFactorEnabled');
    const asked = await submit(browser, `${op.url}/admin/users/${user.id}`, unchecked);
    expect(asked.status).toBe(200);
    expect(asked.html).toContain('name="confirmDisable2fa"');
    expect(asked.html).toContain('Turn off two-factor authentication for');
    expect(inputTag(asked.html, 'twofactor')).not.toMatch(/\schecked/);
    expect(await op.services.totp.status(user.id)).not.toBeNull();

    const done = await submit(browser, `${op.url}/admin/users/${user.id}`, [
      ...userFormFields(asked.html),
      ['confirmDisable2fa', 'yes'],
    ]);
    expect(done.status).toBe(200);
    expect(done.url).toContain('notice=2fa-off');
    expect(await op.services.totp.status(user.id)).toBeNull();
    expect(await op.store.rememberedBrowsers.listForUser(user.id)).toHaveLength(0);
    expect(inputTag(done.html, 'twofactor')).toMatch(/\sdisabled/);
    const audit = await op.store.audit.list({ targetId: user.id, page: 1, pageSize: 10 });
    expect(audit.items.map((e) => e.action)).toContain('user.2fa_disable');
    expect(done.html).toContain('user.2fa_disable');
  });

  it('creates a role enforcing 2FA and shows why 2FA is required, directly and through a group', async () => {
    const created = await submit(browser, `${op.url}/admin/roles`, [
      ['csrf', hiddenInput((await open(browser, `${op.url}/admin/roles`)).html, 'csrf')],
      ['name', 'field-staff'],
      ['enforce2fa', 'on'],
    ]);
    expect(created.status).toBe(200);
    expect(created.html).toContain('The role was created');
    const role = await op.store.roles.findByName('field-staff');
    expect(role).toMatchObject({ enforce2fa: true, admin: false });
    const group = await op.store.groups.create({ name: 'field-team', roleIds: [role?.id ?? ''] });
    const viaGroup = await createUser(op, { email: email('member'), groupIds: [group.id] });
    const direct = await createUser(op, { email: email('direct'), roleIds: [role?.id ?? ''] });

    const groupPage = await open(browser, `${op.url}/admin/users/${viaGroup.id}`);
    expect(groupPage.html).toContain('Required by role field-staff (through group field-team)');
    const directPage = await open(browser, `${op.url}/admin/users/${direct.id}`);
    expect(directPage.html).toContain('Required by role field-staff');
    expect(directPage.html).not.toContain('(through group');

    const rolePage = await open(browser, `${op.url}/admin/roles/${role?.id ?? ''}`);
    expect(inputTag(rolePage.html, 'enforce2fa')).toMatch(/\schecked/);
    const renamed = await submit(browser, `${op.url}/admin/roles/${role?.id ?? ''}`, [
      ['csrf', hiddenInput(rolePage.html, 'csrf')],
      ['name', 'field-crew'],
    ]);
    expect(renamed.html).toContain('The changes were saved');
    expect(await op.store.roles.findById(role?.id ?? '')).toMatchObject({
      name: 'field-crew',
      enforce2fa: false,
    });
  });

  it('gives an enforcing role a grace period in days, and refuses one that is not a whole number of days', async () => {
    const page = await open(browser, `${op.url}/admin/roles`);
    expect(inputTag(page.html, 'graceDays')).toMatch(/type="number"/);
    const bad = await submit(browser, `${op.url}/admin/roles`, [
      ['csrf', hiddenInput(page.html, 'csrf')],
      ['name', 'phased'],
      ['enforce2fa', 'on'],
      ['graceDays', '2.5'],
    ]);
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('whole number of days from 0 to 365');
    expect(await op.store.roles.findByName('phased')).toBeNull();
    const created = await submit(browser, `${op.url}/admin/roles`, [
      ['csrf', hiddenInput(page.html, 'csrf')],
      ['name', 'phased'],
      ['enforce2fa', 'on'],
      ['graceDays', '10'],
    ]);
    expect(created.status).toBe(200);
    expect(await op.store.roles.findByName('phased')).toMatchObject({
      enforce2fa: true,
      enforce2faGraceDays: 10,
    });
    expect((await open(browser, `${op.url}/admin/roles`)).html).toContain('Yes, 10 days of grace');
  });

  it('shows a duplicate role name as a 409 error on the page', async () => {
    const page = await open(browser, `${op.url}/admin/roles`);
    const duplicate = await submit(browser, `${op.url}/admin/roles`, [
      ['csrf', hiddenInput(page.html, 'csrf')],
      ['name', 'ops-admin'],
    ]);
    expect(duplicate.status).toBe(409);
    expect(duplicate.html).toContain('class="error"');
    expect(duplicate.html).toContain('already exists');
    expect((await op.store.roles.list()).filter((r) => r.name === 'ops-admin')).toHaveLength(1);
  });

  it('asks for confirmation before deleting a role in use, showing where it is used', async () => {
    const role = await op.store.roles.create({ name: 'auditors' });
    const holder = await createUser(op, { email: email('auditor'), roleIds: [role.id] });
    const group = await op.store.groups.create({ name: 'audit-team', roleIds: [role.id] });
    const page = await open(browser, `${op.url}/admin/roles/${role.id}`);
    expect(page.html).toContain(holder.email);
    const asked = await submit(browser, `${op.url}/admin/roles/${role.id}/delete`, [
      ['csrf', hiddenInput(page.html, 'csrf')],
    ]);
    expect(asked.status).toBe(409);
    expect(asked.html).toContain(holder.email);
    expect(asked.html).toContain('audit-team');
    expect(asked.html).toContain('name="confirm"');
    expect(await op.store.roles.findById(role.id)).not.toBeNull();

    const deleted = await submit(browser, `${op.url}/admin/roles/${role.id}/delete`, [
      ['csrf', hiddenInput(page.html, 'csrf')],
      ['confirm', 'yes'],
    ]);
    expect(deleted.status).toBe(200);
    expect(deleted.html).toContain('The role was deleted');
    expect(await op.store.roles.findById(role.id)).toBeNull();
    expect((await op.store.users.findById(holder.id))?.roleIds).toEqual([]);
    expect((await op.store.groups.findById(group.id))?.roleIds).toEqual([]);
  });

  it('manages groups: create with roles, members, rename, delete with confirmation', async () => {
    const role = await op.store.roles.create({ name: 'warehouse' });
    const list = await open(browser, `${op.url}/admin/groups`);
    const created = await submit(browser, `${op.url}/admin/groups`, [
      ['csrf', hiddenInput(list.html, 'csrf')],
      ['name', 'night-shift'],
      ['roleIds', role.id],
    ]);
    expect(created.html).toContain('The group was created');
    const group = await op.store.groups.findByName('night-shift');
    expect(group?.roleIds).toEqual([role.id]);
    const member = await createUser(op, { email: email('night'), groupIds: [group?.id ?? ''] });
    const edit = await open(browser, `${op.url}/admin/groups/${group?.id ?? ''}`);
    expect(edit.html).toContain(member.email);

    const dup = await submit(browser, `${op.url}/admin/groups`, [
      ['csrf', hiddenInput(list.html, 'csrf')],
      ['name', 'night-shift'],
    ]);
    expect(dup.status).toBe(409);

    const renamed = await submit(browser, `${op.url}/admin/groups/${group?.id ?? ''}`, [
      ['csrf', hiddenInput(edit.html, 'csrf')],
      ['name', 'late-shift'],
    ]);
    expect(renamed.html).toContain('The changes were saved');
    expect(await op.store.groups.findById(group?.id ?? '')).toMatchObject({
      name: 'late-shift',
      roleIds: [],
    });

    const asked = await submit(browser, `${op.url}/admin/groups/${group?.id ?? ''}/delete`, [
      ['csrf', hiddenInput(edit.html, 'csrf')],
    ]);
    expect(asked.status).toBe(409);
    expect(asked.html).toContain(member.email);
    const deleted = await submit(browser, `${op.url}/admin/groups/${group?.id ?? ''}/delete`, [
      ['csrf', hiddenInput(edit.html, 'csrf')],
      ['confirm', 'yes'],
    ]);
    expect(deleted.html).toContain('The group was deleted');
    expect(await op.store.groups.findById(group?.id ?? '')).toBeNull();
    expect((await op.store.users.findById(member.id))?.groupIds).toEqual([]);
  });

  it('creates and deletes a user (deletion needs a confirmation)', async () => {
    const form = await open(browser, `${op.url}/admin/users/new`);
    const weak = await submit(browser, `${op.url}/admin/users`, [
      ['csrf', hiddenInput(form.html, 'csrf')],
      ['email', 'newbie@example.com'],
      ['password', 'short'],
    ]);
    expect(weak.status).toBe(400);
    expect(weak.html).toContain('class="error"');
    expect(weak.html).toContain('value="newbie@example.com"');
    const created = await submit(browser, `${op.url}/admin/users`, [
      ['csrf', hiddenInput(form.html, 'csrf')],
      ['email', 'newbie@example.com'],
      ['name', 'New Bie'],
      ['password', 'a long enough passphrase'],
      ['roleIds', opsAdmin.id],
    ]);
    expect(created.html).toContain('The user was created');
    const user = await op.store.users.findByEmail('newbie@example.com');
    expect(user?.roleIds).toEqual([opsAdmin.id]);
    expect(
      await op.services.passwords.verify(user?.passwordHash ?? '', 'a long enough passphrase'),
    ).toBe(true);

    const duplicate = await submit(browser, `${op.url}/admin/users`, [
      ['csrf', hiddenInput(form.html, 'csrf')],
      ['email', 'newbie@example.com'],
      ['password', 'another long passphrase'],
    ]);
    expect(duplicate.status).toBe(409);

    const asked = await submit(browser, `${op.url}/admin/users/${user?.id ?? ''}/delete`, [
      ['csrf', hiddenInput(form.html, 'csrf')],
    ]);
    expect(asked.status).toBe(200);
    expect(asked.html).toContain('name="confirm"');
    expect(await op.store.users.findById(user?.id ?? '')).not.toBeNull();
    const deleted = await submit(browser, `${op.url}/admin/users/${user?.id ?? ''}/delete`, [
      ['csrf', hiddenInput(form.html, 'csrf')],
      ['confirm', 'yes'],
    ]);
    expect(deleted.html).toContain('The user was deleted');
    expect(await op.store.users.findById(user?.id ?? '')).toBeNull();
  });

  it('rejects a POST with a wrong CSRF token and changes nothing', async () => {
    const user = await createUser(op, { email: email('csrf'), name: 'Unchanged' });
    await giveTwoFactor(op, user.id);
    const edit = await open(browser, `${op.url}/admin/users/${user.id}`);
    const fields = replace(
      replace(without(userFormFields(edit.html), 'twoFactorEnabled'), 'name', 'Changed'),
      'csrf',
      'forged-token',
    );
    const rejected = await submit(browser, `${op.url}/admin/users/${user.id}`, [
      ...fields,
      ['confirmDisable2fa', 'yes'],
    ]);
    expect(rejected.status).toBe(403);
    const stored = await op.store.users.findById(user.id);
    expect(stored?.name).toBe('Unchanged');
    expect(await op.services.totp.status(user.id)).not.toBeNull();
    const role = await submit(browser, `${op.url}/admin/roles`, [['name', 'sneaky']]);
    expect(role.status).toBe(403);
    expect(await op.store.roles.findByName('sneaky')).toBeNull();
  });

  it('shows the audit trail newest first', async () => {
    const roles = await open(browser, `${op.url}/admin/roles`);
    await submit(browser, `${op.url}/admin/roles`, [
      ['csrf', hiddenInput(roles.html, 'csrf')],
      ['name', 'audit-probe'],
    ]);
    const page = await open(browser, `${op.url}/admin/audit`);
    expect(page.status).toBe(200);
    const actions = [...page.html.matchAll(/<code>([a-z_.0-9]+)<\/code>/g)].map((m) => m[1]);
    expect(actions[0]).toBe('role.create');
    expect(actions).toContain('user.delete');
    expect(page.html).toContain('audit-probe');
    const stored = await op.store.audit.list({ page: 1, pageSize: 1 });
    expect(stored.items[0]).toMatchObject({
      action: 'role.create',
      actorEmail: boss.email,
      targetLabel: 'audit-probe',
    });
  });

  it('sends a holder of the seeded admin role to set up 2FA at sign-in', async () => {
    const seeded = await op.store.roles.findByName('admin');
    expect(seeded).toMatchObject({ admin: true, enforce2fa: true });
    const chief = await createUser(op, { email: email('chief'), roleIds: [seeded?.id ?? ''] });
    const page = await openConsole(new HttpBrowser(), `${op.url}/admin`, chief);
    expect(page.url).toMatch(/\/interaction\/[^/]+\/enroll$/);
    expect(page.html).toContain('id="secret"');
  });
});
