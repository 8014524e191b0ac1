/**
 * The operations the phases repeat (sign-in, refresh-token chains, client credentials) and the
 * warm-up + measurement of one phase.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { log } from './log.ts';
import { signIn, tokenRequest, type RelyingParty } from './oidc.ts';
import type { Options } from './options.ts';
import { runPhase, WAIT, type Operation, type PhaseResult } from './phase.ts';
import type { Provider } from './provider.ts';
import type { Column } from './report.ts';
import type { UserPool } from './totp.ts';

/** Refresh tokens are issued for offline_access, which needs prompt=consent (OIDC Core 11). */
export const REFRESH_SCOPE = 'openid offline_access';

export type PhaseName = 'signin' | 'refresh' | 'cc';
export const TITLES: Record<PhaseName, string> = {
  signin: 'sign-in',
  refresh: 'refresh',
  cc: 'client credentials',
};

/** Refresh-token chains: one per worker, each continuing with the token the last call returned. */
export class Chains {
  private readonly live: (string | undefined)[] = [];
  private readonly spare: string[] = [];

  count(): number {
    return this.live.filter(Boolean).length + this.spare.length;
  }
  add(token: string): void {
    this.spare.push(token);
  }
  operation(rp: RelyingParty): Operation {
    return async (worker) => {
      const token = this.live[worker] ?? this.spare.pop();
      if (!token) return 'stop'; // every chain of this worker broke and no spare is left
      this.live[worker] = undefined;
      const tokens = await tokenRequest(rp, { grant_type: 'refresh_token', refresh_token: token });
      if (!tokens.refresh_token) throw new Error('refresh: no rotated refresh token returned');
      this.live[worker] = tokens.refresh_token;
    };
  }
}

export interface Context {
  provider: Provider;
  options: Options;
  rp: RelyingParty;
  pool: UserPool;
  chains: Chains;
  ccOffered: boolean;
  all: PhaseResult[];
  failures: number;
}

function signInOperation(ctx: Context): Operation {
  return async (_worker, laps, deadline) => {
    const waitStart = performance.now();
    const user = await ctx.pool.acquire(deadline);
    laps[WAIT] = performance.now() - waitStart;
    if (!user) return 'stop';
    try {
      await signIn(ctx.rp, user, ctx.options.signInScope, {}, laps);
    } finally {
      ctx.pool.release(user);
    }
  };
}

async function topUpChains(ctx: Context): Promise<string | null> {
  const wanted = ctx.options.concurrency + 2;
  for (let tries = 0; ctx.chains.count() < wanted && tries < wanted * 2; tries++) {
    const user = await ctx.pool.acquire(performance.now() + 65_000);
    if (!user) return 'no bench user with a fresh TOTP step';
    try {
      const tokens = await signIn(ctx.rp, user, REFRESH_SCOPE, { prompt: 'consent' });
      if (!tokens.refresh_token)
        return `a sign-in with scope "${REFRESH_SCOPE}" and prompt=consent returned no refresh token`;
      ctx.chains.add(tokens.refresh_token);
    } catch (error) {
      log(`  sign-in for a refresh token failed: ${(error as Error).message}`);
    } finally {
      ctx.pool.release(user);
    }
  }
  return ctx.chains.count() ? null : 'no refresh token could be obtained';
}

/** Probes the client-credentials grant once; null when it works, else why not. */
export async function probeClientCredentials(ctx: Context): Promise<string | null> {
  if (!ctx.rp.meta.grant_types_supported.includes('client_credentials'))
    return 'not offered (not in grant_types_supported)';
  try {
    await tokenRequest(ctx.rp, { grant_type: 'client_credentials' });
    return null;
  } catch (error) {
    return `offered, but bench-rp may not use it: ${(error as Error).message}`;
  }
}

/** Warm-up (unmeasured), then the measured phase; returns the column. */
export async function measure(
  ctx: Context,
  phase: PhaseName,
  label: string,
  warmupSeconds: number,
): Promise<Column> {
  const { options, provider } = ctx;
  if (!provider.alive()) throw new Error(`the provider exited: ${provider.log().last.join('\n')}`);
  const title = TITLES[phase];
  let operation: Operation;
  if (phase === 'signin') operation = signInOperation(ctx);
  else if (phase === 'refresh') {
    const why = await topUpChains(ctx);
    if (why) return { title: label, unsupported: why };
    operation = ctx.chains.operation(ctx.rp);
  } else {
    if (!ctx.ccOffered) return { title: label, unsupported: 'not offered' };
    operation = async () => {
      await tokenRequest(ctx.rp, { grant_type: 'client_credentials' });
    };
  }
  const notes: string[] = [];
  if (warmupSeconds > 0) {
    log(`${title} @ ${label}: warm-up ${warmupSeconds} s`);
    const warm = await runPhase({
      phase,
      label,
      pid: provider.pid,
      concurrency: options.concurrency,
      seconds: warmupSeconds,
      operation,
    });
    if (warm.failures) {
      ctx.failures += warm.failures;
      notes.push(`warm-up: ${warm.failures} failures: ${warm.errors.join(' | ')}`);
    }
    if (phase === 'refresh' && (await topUpChains(ctx))) notes.push('refresh chains ran out');
  }
  await sleep(300); // let the previous phase's tail settle
  const waited0 = ctx.pool.waitedMs;
  const starved0 = ctx.pool.starved;
  log(`${title} @ ${label}: measuring ${options.seconds} s at concurrency ${options.concurrency}`);
  const result = await runPhase({
    phase,
    label,
    pid: provider.pid,
    concurrency: options.concurrency,
    seconds: options.seconds,
    operation,
  });
  if (phase === 'signin') {
    result.totpWaitSeconds = (ctx.pool.waitedMs - waited0) / 1000;
    result.totpStarvedWorkers = ctx.pool.starved - starved0;
    if (result.totpWaitSeconds > 0 || result.totpStarvedWorkers > 0)
      notes.push(
        `ran short of fresh TOTP steps (waited ${result.totpWaitSeconds.toFixed(1)} s, ` +
          `${result.totpStarvedWorkers} workers stopped early): raise BENCH_USERS`,
      );
  }
  result.notes.push(...notes);
  ctx.failures += result.failures;
  ctx.all.push(result);
  const r = result;
  log(
    `  ${r.ok} ok, ${r.failures} failed, ${r.throughput.toFixed(1)}/s, p50 ${r.latencyMs.p50?.toFixed(0)} ms, ` +
      `${r.provider.cpuMsPerOp?.toFixed(1)} CPU ms/op (node ${r.provider.nodeCpuMsPerOp?.toFixed(1)} + db ${r.provider.dbCpuMsPerOp?.toFixed(1)})`,
  );
  return { title: label, result };
}
