/**
 * Metrics and logs (docs/operations.md): `/metrics` is Prometheus text whose sign-in and 2FA
 * counters move with what users do, and the logs of everything the tests here do carry request
 * ids and error codes but none of the passwords, codes, secrets, cookies or tokens they used.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as client from 'openid-client';
import { loadConfig } from '../../src/config.ts';
import { totpCodeAt } from '../../src/domain/totp.ts';
import { createLogger, startServer } from '../../src/server.ts';
import { freePort } from '../../src/store/local-database.ts';
import { createUser } from '../support/fixtures.ts';
import {
  startTestProvider,
  testDatabaseUri,
  testEnv,
  type TestProvider,
} from '../support/harness.ts';
import { formAction, hiddenInput, HttpBrowser } from '../support/http-browser.ts';
import { parsePrometheusText, sampleValue, type Sample } from '../support/prometheus-text.ts';
import {
  atCallback,
  authorizationRequest,
  discoverRp,
  open,
  redeem,
  signInWithPassword,
  type TestRp,
} from '../support/relying-party.ts';
import { createUserWithTwoFactor, isLoginPage, isOtpPage, post } from '../support/two-factor.ts';

/** A log line as pino wrote it. */
interface LogLine {
  msg: string;
  reqId?: string;
  [field: string]: unknown;
}

/** Lines written while serving a request; each must carry the request's id. */
const REQUEST_MESSAGES = new Set([
  'request completed',
  'request rejected',
  'request failed',
  'sign-in attempt',
  'two-factor change',
  'audit event',
  'token granted',
  'oidc request rejected',
]);

describe('metrics and logs', () => {
  let op: TestProvider;
  let produce: TestRp;
  const rawLogs: string[] = [];
  const logs = () => rawLogs.map((line) => JSON.parse(line) as LogLine);
  /** Every secret the tests typed, received or were sent: none may reach a log line. */
  const secrets = new Set<string>(['produce-dev-secret']);
  /** Six-digit codes, matched only as whole numbers (timestamps contain any six digits). */
  const codes = new Set<string>();

  const scrape = async (): Promise<Sample[]> => {
    const response = await fetch(`${op.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return parsePrometheusText(await response.text());
  };
  /** Session, interaction and CSRF cookies (short ones, like a client id, are not secrets). */
  const keepCookies = (browser: HttpBrowser) => {
    for (const value of browser.cookies.values()) if (value.length >= 16) secrets.add(value);
  };

  beforeAll(async () => {
    const env = testEnv(await freePort(), { LOG_LEVEL: 'debug' });
    const config = loadConfig(env);
    const mongodbUri = testDatabaseUri();
    const log = createLogger('debug', {
      destination: { write: (line: string) => void rawLogs.push(line) },
    });
    const running = await startServer(config, mongodbUri, log, {
      sqliteDir: process.env.TEST_FERRETDB_SQLITE_DIR || undefined,
    });
    op = Object.assign(running, { config, env, mongodbUri });
    produce = await discoverRp(op.config.issuer);
  });
  afterAll(async () => op?.close());

  it('serves /metrics as Prometheus text whose sign-in and 2FA counters move', async () => {
    const before = await scrape();
    expect(sampleValue(before, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);

    const user = await createUserWithTwoFactor(op, produce, { email: 'metrics@example.com' });
    secrets.add(user.password).add(user.app.secret);
    codes.add(totpCodeAt(user.app.secret, user.app.lastStep * 30_000));
    for (const code of user.app.recoveryCodes) secrets.add(code);

    const wrongPassword = `not-the-password-${Date.now()}`;
    secrets.add(wrongPassword);
    const refused = await signInWithPassword(new HttpBrowser(), produce, user.email, wrongPassword);
    expect(refused.step.html).toContain('Invalid email or password.');

    const browser = new HttpBrowser();
    const { step, pending } = await signInWithPassword(browser, produce, user.email, user.password);
    secrets.add(pending.verifier);
    keepCookies(browser);
    expect(isOtpPage(step)).toBe(true);
    const wrongCode = user.app.wrong();
    codes.add(wrongCode);
    const failed = await post(browser, produce, step, '/otp', { code: wrongCode });
    expect(failed.response.status).toBe(401);
    expect(failed.next.html).toContain('one-time-code');
    const rightCode = await user.app.next();
    codes.add(rightCode);
    const { next } = await post(browser, produce, failed.next, '/otp', { code: rightCode });
    keepCookies(browser);
    expect(atCallback(produce, next)).toBe(true);
    secrets.add(new URL(next.url).searchParams.get('code') ?? '');
    const tokens = await redeem(produce, next.url, pending);
    secrets.add(tokens.access_token);
    if (tokens.id_token) secrets.add(tokens.id_token);
    if (tokens.refresh_token) secrets.add(tokens.refresh_token);
    const claims = tokens.claims();
    await client.fetchUserInfo(produce.config, tokens.access_token, claims?.sub ?? '');

    const after = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(
      moved('twofold_signins_total', { client: 'produce', result: 'success', amr: 'pwd+otp+mfa' }),
    ).toBe(1);
    expect(moved('twofold_signins_total', { client: 'produce', result: 'password' })).toBe(1);
    expect(moved('twofold_second_factor_failures_total', { factor: 'totp' })).toBe(1);
    expect(moved('twofold_two_factor_changes_total', { change: 'enrolled', by: 'self' })).toBe(1);
    expect(
      moved('twofold_token_grants_total', { grant_type: 'authorization_code', result: 'success' }),
    ).toBe(2); // Profile's own console sign-in, then produce's
    expect(
      moved('twofold_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/interaction/:uid/otp',
      }),
    ).toBe(2);
    expect(moved('twofold_http_request_duration_seconds_count', { route: '/token' })).toBe(2);
    expect(moved('twofold_db_command_duration_seconds_count')).toBeGreaterThan(0);
    // Bounded labels: routes are patterns, never paths with ids.
    const routes = after
      .filter((s) => s.name === 'twofold_http_request_duration_seconds_count')
      .map((s) => s.labels.route ?? '');
    for (const route of routes) expect(route).not.toMatch(/\/interaction\/(?!:uid)/);
  });

  it('logs one event per sign-in attempt with user, client, result, amr and address', () => {
    const attempts = logs().filter((line) => line.msg === 'sign-in attempt');
    const success = attempts.find(
      (line) => line.event === 'login.success' && line.client === 'produce',
    );
    expect(success).toMatchObject({
      result: 'success',
      client: 'produce',
      amr: ['pwd', 'otp', 'mfa'],
      ip: expect.any(String),
      userId: expect.any(String),
      reqId: expect.any(String),
    });
    expect(attempts.find((line) => line.event === 'login.failure')).toMatchObject({
      result: 'failure',
      reason: 'password',
      client: 'produce',
    });
    expect(attempts.some((line) => line.event === 'login.otp_failure')).toBe(true);
    const enabled = logs().find((line) => line.event === 'totp.enabled');
    expect(enabled).toMatchObject({ msg: 'two-factor change', result: 'success' });
    expect(logs().some((line) => line.msg === 'token granted')).toBe(true);
  });

  it('keeps a valid incoming X-Request-Id and replaces an unsafe one', async () => {
    const kept = await fetch(`${op.url}/healthz`, { headers: { 'X-Request-Id': 'edge-1234abcd' } });
    expect(kept.headers.get('x-request-id')).toBe('edge-1234abcd');
    const replaced = await fetch(`${op.url}/healthz`, {
      headers: { 'X-Request-Id': 'forged"\\line' },
    });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(logs().some((line) => line.reqId === 'edge-1234abcd')).toBe(true);
  });

  it('logs a CSRF failure with its error code and request id', async () => {
    const browser = new HttpBrowser();
    const user = await createUser(op, { email: 'csrf@example.com' });
    secrets.add(user.password);
    const page = await open(browser, produce, (await authorizationRequest(produce)).url);
    keepCookies(browser);
    expect(isLoginPage(page)).toBe(true);
    expect(hiddenInput(page.html, 'csrf')).not.toBe('');
    const response = await browser.post(new URL(formAction(page.html, '/login'), page.url).href, {
      csrf: 'forged-token',
      email: user.email,
      password: user.password,
    });
    expect(response.status).toBe(403);
    const requestId = response.headers.get('x-request-id');
    const rejected = logs().find(
      (line) => line.msg === 'request rejected' && line.reqId === requestId,
    );
    expect(rejected).toMatchObject({ errorCode: 'csrf_failed', status: 403 });
  });

  it('refuses /metrics to a request relayed by a proxy when no METRICS_TOKEN is set', async () => {
    const relayed = await fetch(`${op.url}/metrics`, {
      headers: { 'X-Forwarded-For': '203.0.113.9' },
    });
    expect(relayed.status).toBe(404);
  });

  it('puts a request id on every line about a request, and no secret on any line', () => {
    expect(rawLogs.length).toBeGreaterThan(20);
    for (const line of logs()) {
      if (REQUEST_MESSAGES.has(line.msg)) expect(line).toMatchObject({ reqId: expect.any(String) });
    }
    secrets.delete('');
    expect(secrets.size).toBeGreaterThan(10);
    expect(codes.size).toBe(3);
    for (const line of rawLogs) {
      for (const secret of secrets)
        expect(line.includes(secret) ? `${secret} in ${line}` : '').toBe('');
      for (const code of codes) {
        expect(
          new RegExp(`(?<![0-9])${code}(?![0-9])`).test(line) ? `${code} in ${line}` : '',
        ).toBe('');
      }
    }
  });
});

describe('metrics behind METRICS_TOKEN', () => {
  const token = 'metrics-token-0123456789abcdefghijklmnopq';
  let op: TestProvider;
  beforeAll(async () => {
    op = await startTestProvider({ env: { METRICS_TOKEN: token } });
  });
  afterAll(async () => op?.close());

  it('answers 401 without the bearer token, even from the loopback, and the text with it', async () => {
    const without = await fetch(`${op.url}/metrics`);
    expect(without.status).toBe(401);
    expect(without.headers.get('www-authenticate')).toContain('Bearer');
    const wrong = await fetch(`${op.url}/metrics`, { headers: { Authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${op.url}/metrics`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(right.status).toBe(200);
    const samples = parsePrometheusText(await right.text());
    expect(samples.some((s) => s.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
  });
});
