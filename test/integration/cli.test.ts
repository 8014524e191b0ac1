import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from '../support/cli.ts';
import { startTestProvider, testDatabaseUri, type TestProvider } from '../support/harness.ts';
import { HttpBrowser } from '../support/http-browser.ts';
import { atCallback, discoverRp, redeem, signInWithPassword } from '../support/relying-party.ts';

/**
 * What the provider process reads once it has caught up with a write the CLI process made: roles,
 * groups and clients come from its catalog cache, which re-reads within a second of a change
 * (src/store/repos/catalog-cache.ts).
 */
async function caughtUp<T>(read: () => Promise<T | null>): Promise<T | null> {
  const until = Date.now() + 3000;
  for (;;) {
    const value = await read();
    if (value !== null || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The operator CLI as an operator runs it: a separate Node process (`node src/cli/main.ts`)
 * against a real database, with its exit code, stdout and stderr.
 */
describe('cli: operator commands against a real database', () => {
  const mongodbUri = testDatabaseUri();
  const dataDir = mkdtempSync(join(tmpdir(), 'twofold-cli-'));
  // Filled in from the provider's environment in beforeAll (COOKIE_KEYS, TOTP_ENCRYPTION_KEYS as
  // k1:<base64>, ISSUER, redirect URIs): an operator runs the CLI with the server's settings,
  // and the CLI re-seeds the Produce/Manage clients from its own environment.
  const env: Record<string, string> = {};
  const password = 'correct horse battery staple 42';
  let op: TestProvider;

  const cli = (...args: string[]) => runCli(env, ...args);

  /** A failed command: non-zero exit, the expected message on stderr, nothing on stdout. */
  function expectFailure(result: CliResult, message: RegExp): void {
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at .*\.ts:\d+/); // no stack trace
    expect(result.stdout).toBe('');
  }

  beforeAll(async () => {
    op = await startTestProvider({ mongodbUri });
    Object.assign(env, op.env, {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      NODE_ENV: 'test',
      MONGODB_URI: mongodbUri,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
    });
    delete env.PORT;
    delete env.HOST;
  });
  afterAll(async () => {
    await op?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('role:create creates a role with flags and is idempotent', async () => {
    const created = await cli('role:create', '--name', 'auditor', '--enforce-2fa', '--admin');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/Created role auditor \(\w+\), enforces 2FA, admin/);
    const role = await caughtUp(() => op.store.roles.findByName('auditor'));
    expect(role).toMatchObject({ name: 'auditor', enforce2fa: true, admin: true });

    const again = await cli('role:create', '--name', 'auditor');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already exists.*unchanged/);
    expect(await op.store.roles.findByName('auditor')).toMatchObject({
      id: role?.id,
      enforce2fa: true,
      admin: true,
    });

    const graced = await cli(
      'role:create',
      '--name',
      'phased',
      '--enforce-2fa',
      '--grace-days',
      '7',
    );
    expect(graced.stdout).toMatch(/enforces 2FA after 7 days of grace/);
    expect(await caughtUp(() => op.store.roles.findByName('phased'))).toMatchObject({
      enforce2faGraceDays: 7,
    });
    const badGrace = await cli('role:create', '--name', 'x', '--enforce-2fa', '--grace-days', 'a');
    expect(badGrace.code).not.toBe(0);
    expect(badGrace.stderr).toContain('--grace-days must be a whole number of days from 0 to 365');

    const plain = await cli('role:create', '--name', 'editor');
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^Created role editor \(\w+\)\n$/);
  });

  it('group:create links roles by name and rejects an unknown role', async () => {
    const created = await cli('group:create', '--name', 'kitchen', '--role', 'editor');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/Created group kitchen/);
    const editor = await caughtUp(() => op.store.roles.findByName('editor'));
    expect((await caughtUp(() => op.store.groups.findByName('kitchen')))?.roleIds).toEqual([
      editor?.id,
    ]);

    const bad = await cli('group:create', '--name', 'ghosts', '--role', 'no-such-role');
    expectFailure(bad, /Unknown role "no-such-role"/);
    expect(await op.store.groups.findByName('ghosts')).toBeNull();
  });

  it('user:create with --role and --group; the user then signs in with roles in the ID token', async () => {
    await cli('role:create', '--name', 'viewer');
    const created = await cli(
      'user:create',
      '--email',
      'Olivia@Example.com',
      '--name',
      'Olivia Operator',
      '--password',
      password,
      '--role',
      'viewer',
      '--group',
      'kitchen',
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/Created user olivia@example.com \(\w+\)/);

    const produce = await discoverRp(op.config.issuer);
    const { step, pending } = await signInWithPassword(
      new HttpBrowser(),
      produce,
      'olivia@example.com',
      password,
    );
    expect(atCallback(produce, step)).toBe(true);
    const claims = (await redeem(produce, step.url, pending)).claims();
    expect(claims?.email).toBe('olivia@example.com');
    expect((claims?.roles as string[]).sort()).toEqual(['editor', 'viewer']);
    expect(claims?.groups).toEqual(['kitchen']);
  });

  it('refuses bad user input with a clear message and changes nothing', async () => {
    const before = (await op.store.users.list({ page: 1, pageSize: 1000 })).items.length;

    expectFailure(
      await cli('user:create', '--email', 'OLIVIA@example.com', '--password', password),
      /Error: .*(already|exists|taken|in use)/i,
    );
    expectFailure(
      await cli(
        'user:create',
        '--email',
        'nora@example.com',
        '--password',
        password,
        '--role',
        'nope',
      ),
      /Error: Unknown role "nope"/,
    );
    expectFailure(
      await cli(
        'user:create',
        '--email',
        'nora@example.com',
        '--password',
        password,
        '--group',
        'nope',
      ),
      /Error: Unknown group "nope"/,
    );
    expectFailure(
      await cli('user:create', '--email', 'nora@example.com', '--password', 'password123'),
      /Error: Weak password/,
    );
    expectFailure(
      await cli('user:create', '--email', 'nora@example.com'),
      /Error: --password is required/,
    );
    expectFailure(
      await cli('user:create', '--email', 'not-an-email', '--password', password),
      /Error: --email must be a valid email address/,
    );
    expectFailure(await cli('user:create', '--password', password), /Error: --email is required/);

    expect((await op.store.users.list({ page: 1, pageSize: 1000 })).items.length).toBe(before);
    expect(await op.store.users.findByEmail('nora@example.com')).toBeNull();
  });

  it('rejects an unknown command or option with usage text', async () => {
    const unknown = await cli('user:destroy', '--email', 'olivia@example.com');
    expectFailure(unknown, /Unknown command: user:destroy[\s\S]*Usage:/);
    const none = await cli();
    expectFailure(none, /Usage: npm run cli/);
    const badOption = await cli('role:list', '--frobnicate');
    expectFailure(badOption, /Error: .*frobnicate[\s\S]*Usage:/);
    expect(await op.store.users.findByEmail('olivia@example.com')).not.toBeNull();
  });

  it('client:create saves a client that client:list shows and the provider accepts', async () => {
    const created = await cli(
      'client:create',
      '--id',
      'reports',
      '--secret',
      'reports-secret-0123456789',
      '--redirect-uri',
      'http://127.0.0.1:4010/callback',
      '--name',
      'Reports',
      '--first-party',
    );
    expect(created.code).toBe(0);
    expect(created.stdout).toBe('Client reports saved\n');
    const list = await cli('client:list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(
      /^reports {2}http:\/\/127\.0\.0\.1:4010\/callback {2}first-party$/m,
    );
    expect(list.stdout).toMatch(/^produce /m);
    expect(list.stdout).toMatch(/^manage /m);

    const rp = await discoverRp(
      op.config.issuer,
      'reports',
      'reports-secret-0123456789',
      'http://127.0.0.1:4010/callback',
    );
    const { step } = await signInWithPassword(
      new HttpBrowser(),
      rp,
      'olivia@example.com',
      password,
    );
    expect(atCallback(rp, step)).toBe(true);

    expectFailure(
      await cli(
        'client:create',
        '--id',
        'bad.id',
        '--secret',
        'x'.repeat(20),
        '--redirect-uri',
        'http://x/cb',
      ),
      /Error: .*no dots/,
    );
    expectFailure(
      await cli(
        'client:create',
        '--id',
        'short',
        '--secret',
        'short',
        '--redirect-uri',
        'http://x/cb',
      ),
      /Error: --secret needs at least 16 characters/,
    );
    expect(await op.store.clients.find('bad.id')).toBeNull();
    expect(await op.store.clients.find('short')).toBeNull();
  });

  it('user:add-role and user:add-group change an existing user', async () => {
    await cli('user:create', '--email', 'pat@example.com', '--password', password);
    await cli('group:create', '--name', 'office');
    const role = await cli('user:add-role', '--email', 'pat@example.com', '--role', 'editor');
    expect(role).toMatchObject({ code: 0 });
    expect(role.stdout).toBe('pat@example.com has role editor\n');
    const group = await cli('user:add-group', '--email', 'pat@example.com', '--group', 'office');
    expect(group).toMatchObject({ code: 0 });
    expect(group.stdout).toBe('pat@example.com is in group office\n');
    const user = await op.store.users.findByEmail('pat@example.com');
    expect(user?.roleIds).toEqual([
      (await caughtUp(() => op.store.roles.findByName('editor')))?.id,
    ]);
    expect(user?.groupIds).toEqual([
      (await caughtUp(() => op.store.groups.findByName('office')))?.id,
    ]);

    expectFailure(
      await cli('user:add-role', '--email', 'nobody@example.com', '--role', 'editor'),
      /Error: No user with email nobody@example.com/,
    );
    expectFailure(
      await cli('user:add-role', '--email', 'pat@example.com', '--role', 'nope'),
      /Error: Unknown role "nope"/,
    );
    expectFailure(
      await cli('user:add-group', '--email', 'pat@example.com', '--group', 'nope'),
      /Error: Unknown group "nope"/,
    );
    const after = await op.store.users.findByEmail('pat@example.com');
    expect(after?.roleIds).toEqual(user?.roleIds);
    expect(after?.groupIds).toEqual(user?.groupIds);
  });

  it('list commands print one line per record', async () => {
    const users = await cli('user:list');
    expect(users.code).toBe(0);
    expect(users.stdout).toMatch(/^\w+ {2}olivia@example\.com {2}active {2}2FA off$/m);
    expect(users.stdout).toMatch(/^\w+ {2}pat@example\.com {2}active {2}2FA off$/m);

    const roles = await cli('role:list');
    expect(roles.code).toBe(0);
    expect(roles.stdout).toMatch(/^\w+ {2}admin {2}enforces 2FA {2}admin$/m);
    expect(roles.stdout).toMatch(/^\w+ {2}auditor {2}enforces 2FA {2}admin$/m);
    expect(roles.stdout).toMatch(/^\w+ {2}editor$/m);

    const groups = await cli('group:list');
    expect(groups.code).toBe(0);
    expect(groups.stdout).toMatch(/^\w+ {2}kitchen {2}roles: editor$/m);
    expect(groups.stdout).toMatch(/^\w+ {2}office {2}roles: -$/m);
  });
});
