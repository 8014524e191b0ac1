import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { openPage, signedInAdmin } from '../support/admin-pages.ts';
import { openConsole } from '../support/console.ts';
import { createUser } from '../support/fixtures.ts';
import { startTestProvider, type TestProvider } from '../support/harness.ts';
import { HttpBrowser } from '../support/http-browser.ts';

/** One line of an audit table as the page renders it. */
interface Row {
  action: string;
  result: string;
  html: string;
}

function auditRowsOf(html: string): Row[] {
  return [
    ...html.matchAll(/<tr data-action="([^"]*)" data-result="([^"]*)">([\s\S]*?)<\/tr>/g),
  ].map((m) => ({ action: m[1] ?? '', result: m[2] ?? '', html: m[3] ?? '' }));
}

/** The text of one cell, found by its column's `data-label`, tags removed. */
function cell(row: Row, label: string): string {
  const match = new RegExp(`<td[^>]*data-label="${label}"[^>]*>([\\s\\S]*?)</td>`).exec(row.html);
  return (match?.[1] ?? '')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function decode(href: string): string {
  return href.replace(/&amp;/g, '&');
}

describe('Admin audit trail page', () => {
  let op: TestProvider;
  let browser: HttpBrowser;
  const tag = randomBytes(3).toString('hex');
  const email = (name: string) => `${name}-${tag}@example.com`;

  beforeAll(async () => {
    op = await startTestProvider();
    ({ browser } = await signedInAdmin(op, email('auditor')));
  });
  afterAll(async () => op?.close());

  it('labels a wrong password: someone not signed in, about the account, linked to it', async () => {
    const victim = await createUser(op, { email: email('victim') });
    const typed = `not-the-password-${tag}`;
    const refused = await openConsole(new HttpBrowser(), `${op.url}/account`, {
      email: victim.email.toUpperCase(),
      password: typed,
    });
    expect(refused.status).toBe(401);

    const page = await openPage(
      browser,
      `${op.url}/admin/audit?kind=login.failure&q=${encodeURIComponent(victim.email)}`,
    );
    expect(page.status).toBe(200);
    const [row, ...others] = auditRowsOf(page.html);
    expect(others).toHaveLength(0);
    expect(row?.action).toBe('login.failure');
    if (!row) return;
    expect(cell(row, 'Who')).toBe('Someone (not signed in)');
    expect(cell(row, 'What')).toBe('Sign-in refused: wrong password login.failure');
    expect(row.html).toContain(`<a href="/admin/users/${victim.id}">${victim.email}</a>`);
    expect(cell(row, 'Result')).toBe('Failure');
    expect(row.html).toMatch(
      /<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z">[^<]* UTC<\/time>/,
    );
    expect(page.html).not.toContain(typed);

    // The user's own page lists the attempt against them.
    const edit = await openPage(browser, `${op.url}/admin/users/${victim.id}`);
    const onEdit = auditRowsOf(edit.html).find((r) => r.action === 'login.failure');
    expect(onEdit && cell(onEdit, 'What')).toBe('Sign-in refused: wrong password login.failure');

    // Stored: no actor, the account as target, never the typed password.
    const stored = await op.store.audit.list({ targetId: victim.id, page: 1, pageSize: 5 });
    const event = stored.items.find((e) => e.action === 'login.failure');
    expect(event).toMatchObject({
      actorId: null,
      actorEmail: null,
      targetType: 'user',
      targetId: victim.id,
      targetLabel: victim.email,
      details: { reason: 'password' },
    });
    expect(JSON.stringify(stored.items)).not.toContain(typed);
  });

  it('shows a refused sign-in for an email without an account as a plain label', async () => {
    const nobody = email('nobody');
    await openConsole(new HttpBrowser(), `${op.url}/account`, {
      email: nobody,
      password: 'whatever-it-was',
    });
    const page = await openPage(
      browser,
      `${op.url}/admin/audit?q=${encodeURIComponent(nobody)}&result=failure`,
    );
    const [row] = auditRowsOf(page.html);
    expect(row?.action).toBe('login.failure');
    if (!row) return;
    expect(cell(row, 'What')).toBe('Sign-in refused: unknown email login.failure');
    expect(cell(row, 'About')).toBe(nobody);
    expect(row.html).not.toContain('<a ');
  });

  it('labels every kind of actor and keeps the action code beside the label', async () => {
    const target = await createUser(op, { email: email('target') });
    const about = { type: 'user' as const, id: target.id, label: target.email };
    await op.services.audit.record({ id: null, email: 'cli', ip: null }, 'user.create', about);
    await op.services.audit.record(
      { id: 'client:robot', email: null, ip: null },
      'user.delete',
      about,
    );
    const page = await openPage(browser, `${op.url}/admin/users/${target.id}`);
    const rows = auditRowsOf(page.html);
    const byAction = (action: string) => rows.find((r) => r.action === action);
    const created = byAction('user.create');
    const deleted = byAction('user.delete');
    expect(created && cell(created, 'Who')).toBe('Command line (operator)');
    expect(created && cell(created, 'What')).toBe('Created the user user.create');
    expect(deleted && cell(deleted, 'Who')).toBe('Service client robot');
    expect(page.html).not.toMatch(/<th[^>]*>\s*<\/th>/);
  });

  describe('filter', () => {
    const subject = email('filtered');

    beforeAll(async () => {
      const user = await createUser(op, { email: subject });
      const about = { type: 'user' as const, id: user.id, label: subject };
      const robot = { id: 'client:robot', email: null, ip: '192.0.2.1' };
      for (let i = 0; i < 23; i++) {
        await op.services.audit.record(robot, 'login.failure', about, 'failure', {
          client: 'robot',
          reason: 'password',
        });
      }
      await op.services.audit.record(robot, 'login.success', about, 'success', {
        client: 'robot',
        amr: ['pwd'],
      });
      await op.services.audit.record(robot, 'user.update', about, 'success', { fields: ['name'] });
      await op.services.audit.record(robot, 'role.create', { type: 'role', id: 'r1', label: 'x' });
    });

    it('offers kinds of event, results and a search, each labelled, in a search landmark', async () => {
      const page = await openPage(browser, `${op.url}/admin/audit`);
      expect(page.html).toMatch(/<form[^>]*action="\/admin\/audit"[^>]*role="search"/);
      for (const id of ['kind', 'result', 'q']) {
        expect(page.html).toContain(`<label for="${id}">`);
      }
      expect(page.html).toContain('<option value="sign-in">');
      expect(page.html).toContain('<option value="login.failure">Sign-in refused</option>');
    });

    it('searches the actor’s or target’s email, in any case', async () => {
      const page = await openPage(
        browser,
        `${op.url}/admin/audit?q=${encodeURIComponent(subject.toUpperCase())}`,
      );
      expect(page.status).toBe(200);
      expect(page.html).toContain('25 events match this filter');
      const rows = auditRowsOf(page.html);
      expect(rows).toHaveLength(20);
      expect(rows.every((r) => r.html.includes(subject))).toBe(true);
    });

    it('filters by kind of event and by result', async () => {
      const q = encodeURIComponent(subject);
      const signIns = await openPage(browser, `${op.url}/admin/audit?kind=sign-in&q=${q}`);
      expect(signIns.html).toContain('24 events match');
      const successes = await openPage(
        browser,
        `${op.url}/admin/audit?kind=sign-in&result=success&q=${q}`,
      );
      expect(auditRowsOf(successes.html).map((r) => r.action)).toEqual(['login.success']);
      const users = await openPage(browser, `${op.url}/admin/audit?kind=users&q=${q}`);
      expect(auditRowsOf(users.html).map((r) => r.action)).toEqual(['user.update']);
      const oneAction = await openPage(browser, `${op.url}/admin/audit?kind=user.update&q=${q}`);
      expect(auditRowsOf(oneAction.html).map((r) => r.action)).toEqual(['user.update']);
      // The form shows the filter it applied.
      expect(successes.html).toContain('<option value="sign-in" selected>');
      expect(successes.html).toContain('<option value="success" selected>');
      expect(successes.html).toContain(`value="${subject}"`);
      expect(successes.html).toContain('href="/admin/audit">Clear</a>');
    });

    it('keeps the filter in the pager links', async () => {
      const first = await openPage(
        browser,
        `${op.url}/admin/audit?kind=sign-in&result=failure&q=${encodeURIComponent(subject)}`,
      );
      expect(first.html).toContain('Page 1 of 2');
      const next = /<a[^>]*href="([^"]*)"[^>]*rel="next"/.exec(first.html)?.[1];
      expect(next).toBeDefined();
      const url = new URL(decode(next ?? ''), op.url);
      expect(Object.fromEntries(url.searchParams)).toEqual({
        kind: 'sign-in',
        result: 'failure',
        q: subject,
        page: '2',
      });
      const second = await openPage(browser, url.toString());
      const rows = auditRowsOf(second.html);
      expect(rows).toHaveLength(3);
      expect(rows.every((r) => r.action === 'login.failure' && r.result === 'failure')).toBe(true);
      const prev = /<a[^>]*href="([^"]*)"[^>]*rel="prev"/.exec(second.html)?.[1] ?? '';
      expect(decode(prev)).toContain('kind=sign-in');
    });

    it('refuses a filter it cannot read with a 400 page that says what to fix', async () => {
      const before = await op.store.audit.list({ page: 1, pageSize: 1 });
      const cases: Array<[string, string]> = [
        ['kind=no.such.action', 'Choose the kind of event from the list.'],
        ['result=maybe', 'Choose the result from the list.'],
        ['q=a&q=b', 'Search with one text of 200 characters at most.'],
        [`q=${'x'.repeat(201)}`, 'Search with one text of 200 characters at most.'],
        ['page=abc', 'The page number must be a whole number from 1 to 100000.'],
        ['page=0', 'The page number must be a whole number from 1 to 100000.'],
      ];
      for (const [query, message] of cases) {
        const page = await openPage(browser, `${op.url}/admin/audit?${query}`);
        expect({ query, status: page.status }).toEqual({ query, status: 400 });
        expect(page.html).toContain(`<p class="error" role="alert">${message}</p>`);
        expect(auditRowsOf(page.html)).toHaveLength(0);
        expect(page.html).toMatch(/<form[^>]*role="search"/);
      }
      const after = await op.store.audit.list({ page: 1, pageSize: 1 });
      expect(after.total).toBe(before.total);
      // An unknown parameter is ignored, not refused.
      expect((await openPage(browser, `${op.url}/admin/audit?utm_source=mail`)).status).toBe(200);
    });
  });
});
