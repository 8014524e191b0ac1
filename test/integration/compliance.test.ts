import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { formatMoment } from '../../src/web/render.ts';
import { adminApiClient, adminApiToken } from '../support/admin-api.ts';
import { launchChromium } from '../support/chromium.ts';
import { openConsole, postForm, type Page } from '../support/console.ts';
import { createUser } from '../support/fixtures.ts';
import { startTestProvider, type TestProvider } from '../support/harness.ts';
import { HttpBrowser } from '../support/http-browser.ts';
import { discoverRp, signInWithPassword, type TestRp } from '../support/relying-party.ts';
import { enrollFromProfile, isOtpPage, post, type Authenticator } from '../support/two-factor.ts';

type TestUser = Awaited<ReturnType<typeof createUser>>;

const DAY = 86_400_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The rows of the compliance table: user id, status and the row's HTML, in page order. */
function tableRows(html: string): Array<{ id: string; status: string; html: string }> {
  return [
    ...html.matchAll(/<tr data-user-id="([^"]+)" data-status="([^"]+)">([\s\S]*?)<\/tr>/g),
  ].map((m) => ({ id: m[1] ?? '', status: m[2] ?? '', html: m[3] ?? '' }));
}

/** A minimal RFC 4180 parser: quoted fields with doubled quotes, every record ended by CRLF. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  const token = /("(?:[^"]|"")*"|[^",\r\n]*)(,|\r\n)/gy;
  let record: string[] = [];
  let match: RegExpExecArray | null;
  while (token.lastIndex < text.length && (match = token.exec(text))) {
    const [, raw = '', end] = match;
    record.push(raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw);
    if (end === '\r\n') {
      records.push(record);
      record = [];
    }
  }
  if (token.lastIndex !== text.length || record.length) throw new Error('malformed CSV');
  return records;
}

describe('2FA compliance view and API', () => {
  let op: TestProvider;
  let produce: TestRp;
  let script: TestRp;
  let resource: string;
  let adminBrowser: HttpBrowser;
  let token: string;
  let admin: TestUser & { app: Authenticator };
  const users: Record<string, TestUser> = {};
  let owedSince: Date;

  /** An admin page as the signed-in admin sees it. */
  async function adminPage(path: string): Promise<Page> {
    const { response, url } = await adminBrowser.follow(`${op.url}${path}`);
    return { status: response.status, url, html: await response.text() };
  }

  async function api(path: string, bearer: string | null = token) {
    const response = await fetch(`${op.url}${path}`, {
      headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
    });
    return { response, text: await response.text() };
  }

  /** A user with 2FA turned on from their Profile, then given roles. */
  async function enrolledUser(email: string, roleIds: string[]) {
    const user = await createUser(op, { email });
    const app = await enrollFromProfile(op, user);
    for (const roleId of roleIds) await op.store.users.addRole(user.id, roleId);
    return { ...user, app };
  }

  beforeAll(async () => {
    op = await startTestProvider({
      env: {
        OTP_FREE_FAILURES: '2',
        OTP_BASE_DELAY_SECONDS: '1',
        OTP_MAX_DELAY_SECONDS: '1',
        OTP_HARD_STOP_FAILURES: '4',
      },
    });
    resource = `${op.config.issuer}/admin/api`;
    produce = await discoverRp(op.config.issuer);
    script = await adminApiClient(op);

    const adminRole = await op.store.roles.create({ name: 'Security', admin: true });
    const finance = await op.store.roles.create({ name: 'Finance', enforce2fa: true });
    const sales = await op.store.roles.create({
      name: 'Sales',
      enforce2fa: true,
      enforce2faGraceDays: 7,
    });
    const reader = await op.store.roles.create({ name: 'Reader' });
    const accounting = await op.store.groups.create({ name: 'Accounting', roleIds: [finance.id] });

    admin = await enrolledUser('admin@example.com', [adminRole.id]);
    users.enrolled = await enrolledUser('enrolled@example.com', [finance.id]);
    const locked = await enrolledUser('locked@example.com', []);
    users.locked = locked;
    users.overdue = await createUser(op, { email: 'overdue@example.com', roleIds: [finance.id] });
    users.grouped = await createUser(op, {
      email: 'grouped@example.com',
      groupIds: [accounting.id],
    });
    users.graceNew = await createUser(op, { email: 'grace-new@example.com', roleIds: [sales.id] });
    users.graceStarted = await createUser(op, {
      email: 'grace-started@example.com',
      roleIds: [sales.id],
    });
    users.graceOver = await createUser(op, {
      email: 'grace-over@example.com',
      roleIds: [sales.id],
    });
    users.reader = await createUser(op, { email: 'reader@example.com', roleIds: [reader.id] });
    users.formula = await createUser(op, {
      email: 'formula@example.com',
      name: '=HYPERLINK("http://evil.example","click")',
    });
    users.quoted = await createUser(op, { email: 'quoted@example.com', name: 'Smith, "Jo"' });
    users.plain = await createUser(op, { email: 'plain@example.com' });

    // Grace periods that started at a sign-in two and ten days ago.
    owedSince = new Date(Date.now() - 2 * DAY);
    await op.store.users.markTwoFactorOwed(users.graceStarted.id, owedSince);
    await op.store.users.markTwoFactorOwed(users.graceOver.id, new Date(Date.now() - 10 * DAY));

    // Wrong codes at the sign-in code page until the hard stop.
    const browser = new HttpBrowser();
    const { step } = await signInWithPassword(browser, produce, locked.email, locked.password);
    expect(isOtpPage(step)).toBe(true);
    for (let attempt = 0; attempt < 8; attempt++) {
      const { next } = await post(browser, produce, step, '/otp', { code: locked.app.wrong() });
      if (/ask an administrator/i.test(next.html)) break;
      await sleep(1100);
    }

    adminBrowser = new HttpBrowser();
    const codePage = await openConsole(adminBrowser, `${op.url}/admin/compliance`, admin);
    expect(isOtpPage(codePage)).toBe(true);
    const page = await postForm(adminBrowser, codePage, '/otp', { code: await admin.app.next() });
    expect(page.url).toBe(`${op.url}/admin/compliance`);
    token = await adminApiToken(script, resource, admin);
  }, 120_000);
  afterAll(async () => op?.close());

  describe('the page', () => {
    it('lists every user by email: status, why, 2FA since, grace, lock, with a link to the user', async () => {
      const page = await adminPage('/admin/compliance');
      expect(page.status).toBe(200);
      expect(page.html).toContain('href="/admin/compliance">Compliance</a>');
      const rows = tableRows(page.html);
      const byId = new Map(rows.map((row) => [row.id, row]));
      const emails = rows.map(
        (row) => /<a href="\/admin\/users\/[^"]+">([^<]+)</.exec(row.html)?.[1],
      );
      expect(emails).toEqual([...emails].sort());
      expect(rows).toHaveLength(12);
      for (const row of rows) expect(row.html).toContain(`href="/admin/users/${row.id}"`);

      const row = (user: { id: string }) => byId.get(user.id);
      expect(row(admin)).toMatchObject({ status: 'enrolled' });
      expect(row(admin)?.html).toContain('Administrator');
      const since = (await op.services.totp.status(users.enrolled!.id))?.enabledAt;
      expect(row(users.enrolled!)?.html).toContain(formatMoment(since as Date));
      expect(row(users.enrolled!)?.html).toContain('Role Finance');
      expect(row(users.overdue!)).toMatchObject({ status: 'overdue' });
      expect(row(users.grouped!)).toMatchObject({ status: 'overdue' });
      expect(row(users.grouped!)?.html).toContain('Role Finance (through group Accounting)');
      expect(row(users.graceNew!)).toMatchObject({ status: 'in_grace' });
      expect(row(users.graceNew!)?.html).toContain('Starts at next sign-in');
      expect(row(users.graceStarted!)).toMatchObject({ status: 'in_grace' });
      expect(row(users.graceStarted!)?.html).toContain(
        formatMoment(new Date(owedSince.getTime() + 7 * DAY)),
      );
      expect(row(users.graceOver!)).toMatchObject({ status: 'overdue' });
      expect(row(users.graceOver!)?.html).toContain('Ended ');
      expect(row(users.reader!)).toMatchObject({ status: 'not_required' });
      expect(row(users.locked!)).toMatchObject({ status: 'enrolled' });
      expect(row(users.locked!)?.html).toContain('until an administrator unlocks (4 wrong codes)');
      expect(row(users.reader!)?.html).toContain('data-label="Locked">No</td>');
    });

    it('shows a count per status and keeps the filters in the CSV link', async () => {
      const page = await adminPage('/admin/compliance?status=in_grace&q=grace');
      expect(page.status).toBe(200);
      expect(tableRows(page.html).map((row) => row.id)).toEqual([
        users.graceNew!.id,
        users.graceStarted!.id,
      ]);
      // The counts cover everyone matching the search, whatever the status filter.
      expect(page.html).toContain('All users</a>: <strong>3</strong>');
      expect(page.html).toContain('In grace period</a>: <strong>2</strong>');
      expect(page.html).toContain('Overdue (set up at next sign-in)</a>: <strong>1</strong>');
      expect(page.html).toContain('href="/admin/compliance.csv?status=in_grace&amp;q=grace"');
      expect(page.html).toContain('<option value="in_grace" selected>');

      const all = await adminPage('/admin/compliance');
      for (const [label, count] of [
        ['All users', 12],
        ['Must use 2FA', 7],
        ['Has 2FA', 3],
        ['In grace period', 2],
        ['Overdue (set up at next sign-in)', 3],
        ['Not required, no 2FA', 4],
        ['Locked', 1],
      ] as const) {
        expect(all.html).toContain(`${label}</a>: <strong>${count}</strong>`);
      }
    });

    it('filters by status, "required", "locked" and search; an empty field means any', async () => {
      const ids = async (query: string) =>
        tableRows((await adminPage(`/admin/compliance?${query}`)).html).map((row) => row.id);
      expect(await ids('status=overdue')).toEqual([
        users.graceOver!.id,
        users.grouped!.id,
        users.overdue!.id,
      ]);
      expect(await ids('status=locked')).toEqual([users.locked!.id]);
      expect(await ids('status=required')).toHaveLength(7);
      expect(await ids('status=not_required')).toHaveLength(4);
      expect(await ids('q=SMITH')).toEqual([users.quoted!.id]);
      expect(await ids('status=&q=')).toHaveLength(12);
      const bad = await adminPage('/admin/compliance?status=bogus');
      expect(bad.status).toBe(400);
      expect(bad.html).toContain('must be one of');
    });

    it('downloads the CSV: header, quoting, formula neutralised, same filters', async () => {
      const response = await adminBrowser.get(`${op.url}/admin/compliance.csv`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      const today = new Date().toISOString().slice(0, 10);
      expect(response.headers.get('content-disposition')).toBe(
        `attachment; filename="twofold-2fa-compliance-${today}.csv"`,
      );
      const text = await response.text();
      expect(text).toContain('"\'=HYPERLINK(""http://evil.example"",""click"")"');
      expect(text).toContain('"Smith, ""Jo"""');
      const [header, ...records] = parseCsv(text);
      expect(header).toEqual([
        'email',
        'name',
        'disabled',
        'status',
        'required',
        'reasons',
        'has_2fa',
        '2fa_since',
        'grace_until',
        'grace_starts_at_next_sign_in',
        'locked',
        'lock_hard_stop',
        'locked_until',
        'failed_codes',
        'id',
      ]);
      expect(records).toHaveLength(12);
      const record = (email: string) => records.find((r) => r[0] === email);
      expect(record('formula@example.com')?.[1]).toBe(
        '\'=HYPERLINK("http://evil.example","click")',
      );
      expect(record('quoted@example.com')?.[1]).toBe('Smith, "Jo"');
      expect(record('grouped@example.com')?.slice(3, 6)).toEqual([
        'overdue',
        'true',
        'Role Finance (through group Accounting)',
      ]);
      expect(record('grace-started@example.com')?.[8]).toBe(
        new Date(owedSince.getTime() + 7 * DAY).toISOString(),
      );
      expect(record('grace-new@example.com')?.[9]).toBe('true');
      expect(record('locked@example.com')?.slice(10, 14)).toEqual(['true', 'true', '', '4']);
      expect(record('admin@example.com')?.[5]).toBe('Administrator');

      const filtered = await adminBrowser.get(`${op.url}/admin/compliance.csv?status=in_grace`);
      expect(parseCsv(await filtered.text()).map((r) => r[0])).toEqual([
        'email',
        'grace-new@example.com',
        'grace-started@example.com',
      ]);
    });

    it('fits a 390 px wide phone without scrolling the page sideways', async () => {
      const chromium = await launchChromium();
      try {
        const context = await chromium.newContext({ viewport: { width: 390, height: 844 } });
        await context.addCookies(
          [...adminBrowser.cookies].map(([name, value]) => ({ name, value, url: op.url })),
        );
        const page = await context.newPage();
        await page.goto(`${op.url}/admin/compliance`);
        expect(page.url()).toBe(`${op.url}/admin/compliance`);
        const widths = (await page.evaluate(
          '({ page: document.documentElement.scrollWidth, viewport: window.innerWidth })',
        )) as { page: number; viewport: number };
        expect(widths.page).toBeLessThanOrEqual(widths.viewport);
      } finally {
        await chromium.close();
      }
    });
  });

  describe('the API', () => {
    it('answers the rows and the counts as JSON', async () => {
      const { response, text } = await api('/admin/api/compliance');
      expect(response.status).toBe(200);
      const body = JSON.parse(text) as {
        items: Array<Record<string, unknown> & { id: string; email: string }>;
        counts: Record<string, number>;
      };
      expect(body.counts).toEqual({
        total: 12,
        enrolled: 3,
        in_grace: 2,
        overdue: 3,
        not_required: 4,
        required: 7,
        locked: 1,
      });
      expect(body.items.map((item) => item.email)).toEqual(
        body.items.map((item) => item.email).sort(),
      );
      const item = (user: { id: string }) => body.items.find((i) => i.id === user.id);
      expect(item(admin)).toMatchObject({
        status: 'enrolled',
        required: true,
        hasTwoFactor: true,
        reasons: [{ kind: 'admin' }],
      });
      expect(item(users.grouped!)).toMatchObject({
        status: 'overdue',
        required: true,
        hasTwoFactor: false,
        twoFactorSince: null,
        deadline: null,
        reasons: [{ kind: 'role', role: 'Finance', group: 'Accounting' }],
      });
      expect(item(users.graceNew!)).toMatchObject({
        status: 'in_grace',
        deadline: null,
        graceStartsAtNextSignIn: true,
      });
      expect(item(users.graceStarted!)).toMatchObject({
        status: 'in_grace',
        deadline: new Date(owedSince.getTime() + 7 * DAY).toISOString(),
        graceStartsAtNextSignIn: false,
      });
      expect(item(users.locked!)).toMatchObject({
        status: 'enrolled',
        required: false,
        locked: true,
        lock: { hardStop: true, lockedUntil: null, failures: 4 },
      });
      expect(item(users.reader!)).toMatchObject({
        status: 'not_required',
        required: false,
        reasons: [],
        locked: false,
        lock: { hardStop: false, lockedUntil: null, failures: 0 },
      });
      const since = (await op.services.totp.status(users.enrolled!.id))?.enabledAt;
      expect(item(users.enrolled!)?.twoFactorSince).toBe(since?.toISOString());
    });

    it('filters like the page', async () => {
      const { text } = await api('/admin/api/compliance?status=in_grace&q=GRACE');
      const body = JSON.parse(text) as { items: Array<{ id: string }>; counts: { total: number } };
      expect(body.items.map((i) => i.id)).toEqual([users.graceNew!.id, users.graceStarted!.id]);
      expect(body.counts.total).toBe(3);
    });

    it('refuses a bad filter with 400 and a clear message', async () => {
      for (const query of [
        'status=bogus',
        'status=overdue&status=locked',
        'color=red',
        `q=${'x'.repeat(201)}`,
      ]) {
        const { response, text } = await api(`/admin/api/compliance?${query}`);
        expect([query, response.status]).toEqual([query, 400]);
        expect(JSON.parse(text)).toMatchObject({ error: 'validation_failed' });
      }
      const { text } = await api('/admin/api/compliance.csv?status=bogus');
      expect((JSON.parse(text) as { message: string }).message).toBe(
        'status: must be one of: enrolled, in_grace, overdue, not_required, required, locked.',
      );
    });

    it('downloads the same report as CSV', async () => {
      const { response, text } = await api('/admin/api/compliance.csv?status=overdue');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(response.headers.get('content-disposition')).toMatch(
        /^attachment; filename="twofold-2fa-compliance-\d{4}-\d{2}-\d{2}\.csv"$/,
      );
      const fromPage = await adminBrowser.get(`${op.url}/admin/compliance.csv?status=overdue`);
      expect(text).toBe(await fromPage.text());
      expect(parseCsv(text).map((r) => r[0])).toEqual([
        'email',
        'grace-over@example.com',
        'grouped@example.com',
        'overdue@example.com',
      ]);
    });

    it('is described in the OpenAPI document', async () => {
      const doc = (await (await fetch(`${op.url}/admin/api/openapi.json`)).json()) as {
        paths: Record<string, { get?: Record<string, unknown> }>;
        components: { schemas: Record<string, unknown> };
      };
      const json = doc.paths['/admin/api/compliance']?.get as {
        parameters: Array<{ name: string; schema: { enum?: string[] } }>;
        responses: Record<string, { content?: Record<string, unknown> }>;
      };
      expect(json.parameters.map((p) => p.name)).toEqual(['status', 'q']);
      expect(json.parameters[0]?.schema.enum).toEqual([
        'enrolled',
        'in_grace',
        'overdue',
        'not_required',
        'required',
        'locked',
      ]);
      expect(json.responses['200']?.content?.['application/json']).toEqual({
        schema: { $ref: '#/components/schemas/ComplianceReport' },
      });
      expect(json.responses['400']).toBeDefined();
      expect(doc.components.schemas.ComplianceRow).toBeDefined();
      const csv = doc.paths['/admin/api/compliance.csv']?.get as {
        responses: Record<string, { content?: Record<string, unknown> }>;
      };
      expect(Object.keys(csv.responses['200']?.content ?? {})).toEqual(['text/csv']);
    });
  });

  describe('who is refused', () => {
    it('sends an anonymous visitor to sign in and answers the API 401', async () => {
      const anonymous = await new HttpBrowser().get(`${op.url}/admin/compliance`);
      expect(anonymous.status).toBe(303);
      expect(anonymous.headers.get('location')).toContain('/auth?');
      expect((await new HttpBrowser().get(`${op.url}/admin/compliance.csv`)).status).toBe(303);
      expect((await api('/admin/api/compliance', null)).response.status).toBe(401);
      expect((await api('/admin/api/compliance.csv', null)).response.status).toBe(401);
    });

    it('answers 403 to a signed-in user without an admin role, on the page, the CSV and the API', async () => {
      const plain = users.plain!;
      const browser = new HttpBrowser();
      const page = await openConsole(browser, `${op.url}/admin/compliance`, plain);
      expect(page.status).toBe(403);
      expect(page.html).not.toContain('overdue@example.com');
      const csv = await browser.get(`${op.url}/admin/compliance.csv`);
      expect(csv.status).toBe(403);
      expect(await csv.text()).not.toContain('overdue@example.com');
      const plainToken = await adminApiToken(script, resource, plain);
      for (const path of ['/admin/api/compliance', '/admin/api/compliance.csv']) {
        const { response, text } = await api(path, plainToken);
        expect(response.status).toBe(403);
        expect(text).not.toContain('overdue@example.com');
      }
    });
  });
});
