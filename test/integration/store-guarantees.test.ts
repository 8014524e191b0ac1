import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import mongoose, { type mongo } from 'mongoose';
import * as client from 'openid-client';
import { totpCodeAt } from '../../src/domain/totp.ts';
import { startTestProvider, type TestProvider } from '../support/harness.ts';
import { hiddenInput, HttpBrowser } from '../support/http-browser.ts';
import {
  atCallback,
  discoverRp,
  redeem,
  signInWithPassword,
  type TestRp,
} from '../support/relying-party.ts';
import { createUser } from '../support/fixtures.ts';
import {
  claimsAt,
  createUserWithTwoFactor,
  isOtpPage,
  post,
  type Authenticator,
} from '../support/two-factor.ts';

/**
 * The store's single-use and counting promises under concurrency, through real HTTP: one TOTP
 * code signs in once, one authorization code or refresh token is redeemed once, every wrong code
 * counts even across provider processes, and the database never holds a usable token value.
 */

const PRODUCE_SECRET = 'produce-dev-secret';

/** Accounts racing their own valid code at once in the TOTP test. */
const RACING_ACCOUNTS = 5;

/** Opens its own connection to `uri`, runs `task` on the database, and closes it. */
async function withDatabase<T>(uri: string, task: (db: mongo.Db) => Promise<T>): Promise<T> {
  const connection = await mongoose.createConnection(uri, { autoIndex: false }).asPromise();
  try {
    const db = connection.db;
    if (!db) throw new Error(`no database at ${uri}`);
    return await task(db);
  } finally {
    await connection.close();
  }
}

/** True when the server is FerretDB (its buildInfo carries `ferretdbVersion`). */
async function isFerretDb(uri: string): Promise<boolean> {
  const info = await withDatabase(uri, (db) => db.admin().command({ buildInfo: 1 }));
  return 'ferretdbVersion' in info;
}

/** A raw token endpoint answer: status and parsed JSON body (or the text when it is not JSON). */
interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** POSTs a token request with client_secret_basic, without any client library in between. */
async function tokenRequest(
  rp: TestRp,
  clientId: string,
  secret: string,
  params: Record<string, string>,
): Promise<TokenAnswer> {
  const endpoint = rp.config.serverMetadata().token_endpoint;
  if (!endpoint) throw new Error('no token endpoint in discovery');
  const basic = Buffer.from(
    `${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`,
  ).toString('base64');
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${basic}`,
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: new URLSearchParams(params).toString(),
  });
  const text = await response.text();
  let body: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    body = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : { text };
  } catch {
    body = { text };
  }
  return { status: response.status, body };
}

/** `count` distinct well-formed codes, none of them valid for any time step near now. */
function wrongCodes(app: Authenticator, count: number): string[] {
  const now = Date.now();
  const valid = new Set<string>();
  for (let s = -4; s <= 4; s++) valid.add(totpCodeAt(app.secret, now + s * 30_000));
  const codes: string[] = [];
  let n = Number(app.wrong());
  for (let i = 0; codes.length < count && i < count * 10; i++) {
    const code = String(n).padStart(6, '0');
    if (!valid.has(code) && !codes.includes(code)) codes.push(code);
    n = (n + 7919) % 1_000_000;
  }
  if (codes.length < count) throw new Error('could not make enough wrong codes');
  return codes;
}

/** Statuses sorted, for messages that show the whole picture at once. */
function sortedStatuses(answers: TokenAnswer[]): number[] {
  return answers.map((a) => a.status).sort((a, b) => a - b);
}

/** Runs `task` `count` times, one after the other. */
async function sequentially<T>(count: number, task: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < count; i++) results.push(await task());
  return results;
}

describe('store guarantees: single-use TOTP codes, authorization codes and refresh tokens', () => {
  let op: TestProvider;
  let produce: TestRp;

  beforeAll(async () => {
    op = await startTestProvider();
    produce = await discoverRp(op.config.issuer);
  });
  afterAll(async () => op?.close());

  it('signs in exactly one of 20 sign-ins that submit the same valid authenticator code at the same instant', async () => {
    // Several accounts race at once, each with its own 20 sign-ins and its own code: every
    // account must see exactly one success (more accounts, more chances to catch a lost race).
    const users = await Promise.all(
      Array.from({ length: RACING_ACCOUNTS }, (_, i) =>
        createUserWithTwoFactor(op, produce, { email: `race-otp-${i}@example.com` }),
      ),
    );
    const rounds = await Promise.all(
      users.map(async (user) => ({
        user,
        // One password after the other per account: simultaneous passwords for one account are
        // each charged to its attempt counter until they succeed (src/factors/attempt-guard.ts),
        // so 20 at the same instant would be throttled; the codes below race all at once.
        attempts: await sequentially(20, async () => {
          const browser = new HttpBrowser();
          const signIn = await signInWithPassword(browser, produce, user.email, user.password);
          return { browser, ...signIn };
        }),
      })),
    );
    for (const { attempts } of rounds) {
      expect(attempts.map((a) => isOtpPage(a.step))).toEqual(attempts.map(() => true));
    }

    const codes = await Promise.all(rounds.map(({ user }) => user.app.next()));
    const results = await Promise.all(
      rounds.map(({ attempts }, i) =>
        Promise.all(
          attempts.map(async (a) => ({
            ...a,
            ...(await post(a.browser, produce, a.step, '/otp', { code: codes[i] ?? '' })),
          })),
        ),
      ),
    );

    const winnersPerAccount = results.map((r) => r.filter((x) => atCallback(produce, x.next)));
    expect(winnersPerAccount.map((w) => w.length)).toEqual(users.map(() => 1));
    for (const loser of results.flat().filter((r) => !atCallback(produce, r.next))) {
      expect(loser.response.status).toBeLessThan(500);
      // Refused: 401 (already used) or 429 (throttled), or the code page again with an error.
      const refused = [401, 429].includes(loser.response.status) || isOtpPage(loser.next);
      expect(refused).toBe(true);
    }
    for (const [i, winners] of winnersPerAccount.entries()) {
      const [winner] = winners;
      if (!winner) throw new Error('no sign-in succeeded');
      const claims = await claimsAt(produce, winner.next, winner.pending);
      expect(claims.sub).toBe(users[i]?.id);
      expect(claims.amr).toEqual(expect.arrayContaining(['otp']));
    }
  }, 180_000);

  it('redeems one authorization code exactly once when 10 token requests race: one 200, nine 400 invalid_grant, no 5xx', async () => {
    const user = await createUser(op, { email: 'race-code@example.com' });
    const { step, pending } = await signInWithPassword(
      new HttpBrowser(),
      produce,
      user.email,
      user.password,
    );
    expect(atCallback(produce, step)).toBe(true);
    const code = new URL(step.url).searchParams.get('code') ?? '';
    expect(code).not.toBe('');

    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        tokenRequest(produce, 'produce', PRODUCE_SECRET, {
          grant_type: 'authorization_code',
          code,
          redirect_uri: produce.redirectUri,
          code_verifier: pending.verifier,
        }),
      ),
    );

    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    expect(sortedStatuses(answers)).toEqual([200, 400, 400, 400, 400, 400, 400, 400, 400, 400]);
    for (const refused of answers.filter((a) => a.status !== 200)) {
      expect(refused.body.error).toBe('invalid_grant');
    }
    const issued = answers.find((a) => a.status === 200);
    expect(typeof issued?.body.access_token).toBe('string');
    expect(typeof issued?.body.id_token).toBe('string');
  }, 120_000);

  it('rotates one refresh token exactly once when 10 refresh requests race: one 200, nine 400 invalid_grant, no 5xx', async () => {
    const user = await createUser(op, { email: 'race-refresh@example.com' });
    const { step, pending } = await signInWithPassword(
      new HttpBrowser(),
      produce,
      user.email,
      user.password,
      { scope: 'openid offline_access', prompt: 'consent' },
    );
    expect(atCallback(produce, step)).toBe(true);
    const tokens = await redeem(produce, step.url, pending);
    const refreshToken = tokens.refresh_token;
    if (!refreshToken) throw new Error('no refresh token issued');

    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        tokenRequest(produce, 'produce', PRODUCE_SECRET, {
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
        }),
      ),
    );

    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    expect(sortedStatuses(answers)).toEqual([200, 400, 400, 400, 400, 400, 400, 400, 400, 400]);
    for (const refused of answers.filter((a) => a.status !== 200)) {
      expect(refused.body.error).toBe('invalid_grant');
    }
    const rotated = answers.find((a) => a.status === 200);
    expect(typeof rotated?.body.refresh_token).toBe('string');
    expect(rotated?.body.refresh_token).not.toBe(refreshToken);
  }, 120_000);
});

describe('store guarantees: wrong codes are counted across provider processes on one database', () => {
  /** Every failure counts; the 50th is the hard stop, so a correct code is refused afterwards. */
  const throttleEnv = {
    OTP_FREE_FAILURES: '50',
    OTP_HARD_STOP_FAILURES: '50',
    OTP_BASE_DELAY_SECONDS: '1',
    OTP_MAX_DELAY_SECONDS: '2',
  };
  let first: TestProvider | undefined;
  let second: TestProvider | undefined;
  let third: TestProvider | undefined;

  /** The environment a provider on the same database needs to read the first one's secrets. */
  const sharedEnv = (op: TestProvider): Record<string, string> => ({
    ...throttleEnv,
    COOKIE_KEYS: op.env.COOKIE_KEYS ?? '',
    TOTP_ENCRYPTION_KEYS: op.env.TOTP_ENCRYPTION_KEYS ?? '',
  });

  beforeAll(async () => {
    first = await startTestProvider({ env: throttleEnv });
  });
  afterAll(async () => {
    for (const op of [third, second, first]) await op?.close().catch(() => {});
  });

  it('counts all 50 of a burst of wrong codes split across two providers (MongoDB), or refuses to start a second provider on the same database where counting could not be atomic (FerretDB)', async () => {
    if (!first) throw new Error('first provider did not start');
    const op = first;
    const ferret = await isFerretDb(op.mongodbUri);
    const produceA = await discoverRp(op.config.issuer);
    const user = await createUserWithTwoFactor(op, produceA, { email: 'burst2@example.com' });

    let started: TestProvider | undefined;
    let refusal: unknown;
    try {
      started = await startTestProvider({ mongodbUri: op.mongodbUri, env: sharedEnv(op) });
    } catch (error) {
      refusal = error;
    }

    if (ferret) {
      // Close an unexpectedly started second provider before asserting, so nothing leaks.
      await started?.close();
      const outcome = started
        ? 'a second provider started on the same database'
        : refusal instanceof Error
          ? refusal.message
          : String(refusal);
      expect(outcome).toMatch(/another provider/i);
      // The first provider keeps working.
      const page = await signInWithPassword(new HttpBrowser(), produceA, user.email, user.password);
      expect(isOtpPage(page.step)).toBe(true);
      return;
    }

    // MongoDB: conditional updates are atomic, so two providers may share the database.
    if (refusal) throw refusal;
    second = started;
    if (!second) throw new Error('second provider did not start');
    const produceB = await discoverRp(second.config.issuer);
    const browserA = new HttpBrowser();
    const browserB = new HttpBrowser();
    const onA = await signInWithPassword(browserA, produceA, user.email, user.password);
    const onB = await signInWithPassword(browserB, produceB, user.email, user.password);
    expect(isOtpPage(onA.step)).toBe(true);
    expect(isOtpPage(onB.step)).toBe(true);

    const codes = wrongCodes(user.app, 50);
    const csrfA = hiddenInput(onA.step.html, 'csrf');
    const csrfB = hiddenInput(onB.step.html, 'csrf');
    const answers = await Promise.all(
      codes.map((code, i) =>
        i % 2 === 0
          ? browserA.post(onA.step.url, { csrf: csrfA, code })
          : browserB.post(onB.step.url, { csrf: csrfB, code }),
      ),
    );
    expect(answers.filter((r) => r.status >= 500).map((r) => r.status)).toEqual([]);
    expect(answers.filter((r) => r.status < 400).map((r) => r.status)).toEqual([]);

    const stored: object | null = await op.store.users.findById(user.id);
    if (stored && 'otpFailures' in stored) expect(stored.otpFailures).toBe(50);

    // Behaviour: 50 failures reach the hard stop, so even a correct code is now refused.
    const correct = await post(browserA, produceA, onA.step, '/otp', {
      code: await user.app.next(),
    });
    expect(correct.response.status).toBe(429);
    expect(correct.next.html).toContain('ask an administrator');
    expect(atCallback(produceA, correct.next)).toBe(false);
  }, 180_000);

  it('starts a new provider on the same database once the first one is closed', async () => {
    if (!first) throw new Error('first provider did not start');
    const { mongodbUri } = first;
    const env = sharedEnv(first);
    const user = await createUser(first, { email: 'after-close@example.com' });
    await second?.close();
    second = undefined;
    await first.close();
    first = undefined;

    third = await startTestProvider({ mongodbUri, env });
    const discovery = await fetch(`${third.config.issuer}/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
    expect((await third.store.users.findById(user.id))?.email).toBe(user.email);
    const produce = await discoverRp(third.config.issuer);
    const { step } = await signInWithPassword(
      new HttpBrowser(),
      produce,
      user.email,
      user.password,
    );
    expect(atCallback(produce, step)).toBe(true);
  }, 120_000);
});

describe('store guarantees: the database holds no usable token values', () => {
  let op: TestProvider;
  let produce: TestRp;

  beforeAll(async () => {
    op = await startTestProvider();
    produce = await discoverRp(op.config.issuer);
  });
  afterAll(async () => op?.close());

  it('keeps no authorization code, access token, refresh token, ID token or session cookie value in any collection', async () => {
    const user = await createUser(op, { email: 'dump@example.com' });
    const browser = new HttpBrowser();
    const { step, pending } = await signInWithPassword(
      browser,
      produce,
      user.email,
      user.password,
      {
        scope: 'openid email offline_access',
        prompt: 'consent',
      },
    );
    expect(atCallback(produce, step)).toBe(true);
    const code = new URL(step.url).searchParams.get('code') ?? '';
    const tokens = await redeem(produce, step.url, pending);
    const refreshed = await client.refreshTokenGrant(
      produce.config,
      tokens.refresh_token as string,
    );
    const session = browser.cookies.get('_session');

    const secrets: Record<string, string | undefined> = {
      'authorization code': code,
      'access token': tokens.access_token,
      'refresh token': tokens.refresh_token,
      'ID token': tokens.id_token,
      'rotated access token': refreshed.access_token,
      'rotated refresh token': refreshed.refresh_token,
      'session cookie (_session)': session,
    };
    for (const [name, value] of Object.entries(secrets)) {
      expect([name, typeof value === 'string' && value.length >= 16]).toEqual([name, true]);
    }

    const dump = await withDatabase(op.mongodbUri, async (db) => {
      const collections = await db.listCollections({}, { nameOnly: true }).toArray();
      const everything: Record<string, unknown[]> = {};
      for (const { name } of collections) {
        everything[name] = await db.collection(name).find({}).toArray();
      }
      return JSON.stringify(everything);
    });
    // The dump is of the right database: it holds this user.
    expect(dump).toContain(user.id);

    const found = Object.entries(secrets)
      .filter(([, value]) => value !== undefined && dump.includes(value))
      .map(([name]) => name);
    expect(found).toEqual([]);
  }, 120_000);
});
