import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { auditPage } from './support/audit.ts';
import { form, setTicked, signIn, submitForm, visit, type Person } from './support/flows.ts';
import { createPerson, emailFor, turnOnTwoFactor } from './support/personas.ts';
import { pathOf, startSuite, type Suite } from './support/suite.ts';
import { openTab, WIDTHS, type Tab } from './support/widths.ts';

/** Wrong codes in a row after which only an administrator's unlock lets the user try again. */
const HARD_STOP = 20;

/**
 * Every administration page, as an administrator who signed in with a code, at each width:
 * dashboard, users (list, new with errors, edit with 2FA on, turning 2FA off, a locked user),
 * roles, groups, compliance, audit trail, and a delete confirmation. Each `it` is one page.
 */
describe('browser: administration pages', () => {
  let suite: Suite;
  const roles: Record<'admins' | 'editors' | 'engineering', string> = {
    admins: '',
    editors: '',
    engineering: '',
  };
  let platform: string;

  beforeAll(async () => {
    suite = await startSuite();
    const store = suite.op.store;
    roles.admins = (await store.roles.create({ name: 'Administrators', admin: true })).id;
    roles.editors = (await store.roles.create({ name: 'Editors' })).id;
    roles.engineering = (
      await store.roles.create({ name: 'Engineering', enforce2fa: true, enforce2faGraceDays: 14 })
    ).id;
    platform = (await store.groups.create({ name: 'Platform team', roleIds: [roles.engineering] }))
      .id;
  });
  afterAll(async () => suite?.stop());

  for (const width of WIDTHS) {
    describe(`at ${width.name} width`, () => {
      let tab: Tab;
      let hedy: Person;
      let grace: Person & { id: string };
      let linus: Person & { id: string };

      beforeAll(async () => {
        const { op } = suite;
        tab = await openTab(suite.browser, width);
        const admin = await createPerson(op, width.name, {
          local: 'hedy',
          name: 'Hedy Lamarr',
          roleIds: [roles.admins],
        });
        hedy = { ...admin, app: await turnOnTwoFactor(op, admin.id, op.config.totp.window) };
        grace = await createPerson(op, width.name, {
          local: 'grace',
          name: 'Grace Hopper',
          roleIds: [roles.editors],
        });
        await turnOnTwoFactor(op, grace.id, op.config.totp.window);
        linus = await createPerson(op, width.name, {
          local: 'linus',
          name: 'Linus Pauling',
          groupIds: [platform],
        });
        await turnOnTwoFactor(op, linus.id, op.config.totp.window);
        // Locked as after HARD_STOP wrong codes in a row (src/factors/code-check.ts's counter).
        await op.store.attempts.change(`otp:account:${linus.id}`, () => ({
          next: {
            failures: HARD_STOP,
            lockedUntil: null,
            lastFailureAt: new Date('2026-01-05T09:30:00Z'),
            expiresAt: null,
          },
          result: null,
        }));
      });
      afterAll(async () => tab?.context.close());

      it('dashboard (after signing in with a code)', async () => {
        await visit(tab.page, `${suite.op.url}/admin`);
        await signIn(tab.page, hedy);
        expect(pathOf(tab.page)).toBe('/admin');
        await auditPage(tab, 'admin');
      });

      it('users', async () => {
        await visit(tab.page, `${suite.op.url}/admin/users`);
        await auditPage(tab, 'admin-users');
      });

      it('new user', async () => {
        await visit(tab.page, `${suite.op.url}/admin/users/new`);
        await auditPage(tab, 'admin-user-new');
      });

      it('new user with an email already taken: focus on the email', async () => {
        await submitForm(tab.page, '/admin/users', {
          email: grace.email,
          name: 'Grace Again',
          password: 'A-long-enough-passphrase',
        });
        await auditPage(tab, 'admin-user-new-taken-email', { focus: 'input[name="email"]' });
      });

      it('new user with a too short password: focus on the password', async () => {
        await visit(tab.page, `${suite.op.url}/admin/users/new`);
        // As a browser that does not check minlength would: the server must say it too.
        await form(tab.page, '/admin/users').evaluate((element) => {
          (element as unknown as { noValidate: boolean }).noValidate = true;
        });
        await submitForm(tab.page, '/admin/users', {
          email: emailFor(width.name, 'barbara'),
          name: 'Barbara Liskov',
          password: 'short',
        });
        await auditPage(tab, 'admin-user-new-short-password', { focus: 'input[name="password"]' });
      });

      it('edit a user with 2FA on (the 2FA checkbox)', async () => {
        await visit(tab.page, `${suite.op.url}/admin/users/${grace.id}`);
        await expect(tab.page.locator('input[name="twoFactorEnabled"]').isChecked()).resolves.toBe(
          true,
        );
        await auditPage(tab, 'admin-user-edit');
      });

      it('edit user after unticking 2FA and saving: the confirmation', async () => {
        const box = form(tab.page, `/admin/users/${grace.id}`).locator(
          'input[name="twoFactorEnabled"]',
        );
        await setTicked(box, false);
        await submitForm(tab.page, `/admin/users/${grace.id}`);
        await expect(tab.page.locator('input[name="confirmDisable2fa"]').count()).resolves.toBe(1);
        await auditPage(tab, 'admin-user-edit-2fa-off');
      });

      it('a user locked after too many wrong codes', async () => {
        await visit(tab.page, `${suite.op.url}/admin/users/${linus.id}`);
        await expect(tab.page.locator(`form[action$="/unlock"]`).count()).resolves.toBe(1);
        await auditPage(tab, 'admin-user-locked');
      });

      it('roles', async () => {
        await visit(tab.page, `${suite.op.url}/admin/roles`);
        await auditPage(tab, 'admin-roles');
      });

      it('a role', async () => {
        await visit(tab.page, `${suite.op.url}/admin/roles/${roles.editors}`);
        await auditPage(tab, 'admin-role-edit');
      });

      it('a delete confirmation (deleting a role in use)', async () => {
        await submitForm(tab.page, `/admin/roles/${roles.editors}/delete`);
        await expect(tab.page.locator('input[name="confirm"]').count()).resolves.toBe(1);
        await auditPage(tab, 'admin-delete-confirmation');
      });

      it('groups', async () => {
        await visit(tab.page, `${suite.op.url}/admin/groups`);
        await auditPage(tab, 'admin-groups');
      });

      it('a group', async () => {
        await visit(tab.page, `${suite.op.url}/admin/groups/${platform}`);
        await auditPage(tab, 'admin-group-edit');
      });

      it('compliance', async () => {
        await visit(tab.page, `${suite.op.url}/admin/compliance`);
        await auditPage(tab, 'admin-compliance');
      });

      it('audit trail', async () => {
        await visit(tab.page, `${suite.op.url}/admin/audit`);
        await auditPage(tab, 'admin-audit');
      });
    });
  }
});
