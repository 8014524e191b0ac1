/**
 * `npm run bench`: what a sign-in, a refresh and a client-credentials grant cost the provider,
 * running as a separate process (`node src/main.ts`, production mode) with its own local
 * database (or MONGODB_URI). Reports throughput, latency and, above all, CPU per operation of the
 * provider's process tree (node + its database child) and its peak RSS, read from /proc.
 * `npm run bench -- --scale` repeats sign-in and refresh as the users collection grows.
 *
 * No goals: the exit code is non-zero only when operations fail (or the set-up does).
 * Loopback only; every loop is bounded; every process started here is stopped on exit.
 * Settings: USAGE in options.ts (`npm run bench -- --help`).
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { closeConnections } from './http.ts';
import { log, mute } from './log.ts';
import { relyingParty } from './oidc.ts';
import { formatCount, readOptions, USAGE } from './options.ts';
import { treeRss } from './proc.ts';
import { cleanUp, cli, ROOT, runNode, startProvider } from './provider.ts';
import { costBySize, documentsTable, table, writeJson, type Column } from './report.ts';
import { fill, gitState, setUpUsers, type FillReport } from './setup.ts';
import { UserPool } from './totp.ts';
import {
  Chains,
  measure,
  probeClientCredentials,
  REFRESH_SCOPE,
  TITLES,
  type Context,
  type PhaseName,
} from './workload.ts';

const REDIRECT_URI = 'http://127.0.0.1:9/bench/callback'; // never requested: the driver stops there
const MiB = 1024 * 1024;
const mib = (bytes: number) => (bytes / MiB).toFixed(0);

/** With MONGODB_URI, drops the throwaway bench database at the end. */
let dropExternal: (() => Promise<void>) | undefined;

async function main(): Promise<number> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const options = readOptions(process.argv.slice(2), join(ROOT, 'bench', 'results'));
  const startedAt = new Date().toISOString();
  const git = gitState();
  const changed = git.uncommitted.length
    ? ` + ${git.uncommitted.length} uncommitted files in src/views/config`
    : '';
  log(`Node ${process.version}, ${cpus().length} CPUs, load ${loadavg()[0]?.toFixed(2)}`);
  log(`measuring commit ${git.commit}${changed}`);
  log('starting the provider (node src/main.ts, NODE_ENV=production)...');
  const provider = await startProvider();
  if (process.env.MONGODB_URI)
    dropExternal = () => runNode(provider, 'bench/fill.ts', ['--drop']).then(() => {});
  const idle = treeRss(provider.pid);
  log(
    `provider up in ${provider.startupSeconds.toFixed(2)} s at ${provider.issuer}; ` +
      `RSS ${mib(idle.node)} MiB node + ${mib(idle.db)} MiB db`,
  );

  const clientSecret = randomBytes(24).toString('base64url');
  await cli(provider, [
    'client:create',
    ...['--id', 'bench-rp', '--secret', clientSecret, '--redirect-uri', REDIRECT_URI],
    '--first-party',
  ]);
  const rp = await relyingParty(provider.issuer, {
    clientId: 'bench-rp',
    clientSecret,
    redirectUri: REDIRECT_URI,
  });
  const by = options.userSetup === 'store' ? 'through the store' : 'with the CLI';
  log(`creating ${options.users} users ${by} and turning 2FA on through Profile...`);
  const setup = await setUpUsers(provider, options);
  const ctx: Context = {
    provider,
    options,
    rp,
    pool: new UserPool(setup.users),
    chains: new Chains(),
    ccOffered: false,
    all: [],
    failures: 0,
  };
  const ccWhy = options.phases.includes('cc') ? await probeClientCredentials(ctx) : null;
  ctx.ccOffered = ccWhy === null;

  const scaleMode = options.scale.length > 0;
  const baseLabel = `${formatCount(setup.users.length)} users`;
  const fills: { label: string; fill: FillReport }[] = [];
  if (scaleMode) fills.push({ label: baseLabel, fill: await fill(provider, []) });

  const baseline: Column[] = [];
  for (const phase of options.phases as PhaseName[]) {
    if (phase === 'cc' && ccWhy) {
      log(`client credentials: ${ccWhy}`);
      const short = ccWhy.startsWith('not offered') ? 'not offered' : ccWhy;
      baseline.push({ title: TITLES.cc, unsupported: short });
      continue;
    }
    const column = await measure(ctx, phase, baseLabel, options.warmupSeconds);
    baseline.push({ ...column, title: TITLES[phase] });
  }

  const sized = ['signin', 'refresh'].filter((p) => options.phases.includes(p)) as PhaseName[];
  const bySize = new Map<PhaseName, Column[]>(
    sized.map((p) => [
      p,
      baseline.filter((c) => c.title === TITLES[p]).map((c) => ({ ...c, title: baseLabel })),
    ]),
  );
  if (scaleMode) {
    const steps = options.scale.map((size) => ({ size, browsers: 0 }));
    if (options.browsers > 0)
      steps.push({ size: options.scale.at(-1) ?? 0, browsers: options.browsers });
    for (const step of steps) {
      const label = step.browsers
        ? `${formatCount(step.size)} + ${formatCount(step.browsers)} browsers`
        : `${formatCount(step.size)} users`;
      log(`growing the database to ${label}...`);
      const grown = await fill(provider, [
        ...['--users', String(step.size)],
        ...(step.browsers ? ['--browsers', String(step.browsers)] : []),
      ]);
      fills.push({ label, fill: grown });
      log(`  done in ${grown.seconds.toFixed(0)} s`);
      for (const phase of sized)
        bySize
          .get(phase)
          ?.push(await measure(ctx, phase, label, Math.min(3, options.warmupSeconds)));
    }
  }

  const out: string[] = [
    '',
    `Twofold bench: the provider as its own process (node src/main.ts, NODE_ENV=production); database ${provider.database}.`,
    `Node ${process.version}, ${cpus().length} CPUs; commit ${git.commit}${changed}; ${setup.users.length} users (${setup.createdBy}) with 2FA (Profile), set up in ${setup.seconds.toFixed(0)} s.`,
    `Sign-in scope "${options.signInScope}"; refresh chains start from "${REFRESH_SCOPE}" + prompt=consent sign-ins.`,
    options.clientAddresses === 'per-user'
      ? `Each user's browser connects from its own loopback address (127.77.x.y); the client's token calls from 127.0.0.1.`
      : `Every request comes from 127.0.0.1.`,
    `Provider start-up ${provider.startupSeconds.toFixed(2)} s; idle RSS ${mib(idle.node)} MiB node + ${mib(idle.db)} MiB db.`,
    `CPU: utime+stime of the provider's process tree (/proc); "other processes": the rest of the machine meanwhile.`,
    '',
    table(scaleMode ? `Phases at ${baseLabel}` : 'Phases', baseline),
  ];
  if (scaleMode) {
    for (const [phase, columns] of bySize)
      out.push('', table(`${TITLES[phase]} by size of the database`, columns));
    out.push(
      '',
      costBySize([...bySize].map(([phase, columns]) => ({ phase: TITLES[phase], columns }))),
      '',
      documentsTable(fills.map((x) => ({ title: x.label, counts: x.fill.collections }))),
    );
  }
  const exitCode = ctx.failures > 0 || setup.failures.length > 0 ? 1 : 0;
  const logged = provider.log();
  const path = await writeJson(options.outDir, {
    startedAt,
    finishedAt: new Date().toISOString(),
    options,
    machine: { node: process.version, cpus: cpus().length, loadavg: loadavg() },
    git,
    provider: {
      startupSeconds: provider.startupSeconds,
      idleRssMiB: { node: idle.node / MiB, db: idle.db / MiB },
      database: provider.database,
      log: logged,
    },
    setup: { ...setup, users: setup.users.length },
    clientCredentials: ccWhy ?? 'measured',
    phases: ctx.all,
    scale: fills,
    failures: ctx.failures,
    exitCode,
  });
  out.push(
    '',
    `Provider log: ${logged.error} errors, ${logged.warn} warnings${logged.error ? ' (last lines in the JSON)' : ''}.`,
    `JSON: ${path}`,
  );
  if (exitCode) out.push(`${ctx.failures + setup.failures.length} operations failed: exit code 1.`);
  process.stdout.write(`${out.join('\n')}\n`);
  return exitCode;
}

let exiting = false;
/** Stops everything this process started (always: success, failure, Ctrl-C), then exits. */
async function finish(code: number): Promise<never> {
  if (!exiting) {
    exiting = true;
    await dropExternal?.().catch(() => {});
    await cleanUp();
    closeConnections();
  }
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    log(`${signal}: stopping the provider...`);
    mute();
    void finish(signal === 'SIGINT' ? 130 : 143);
  });
process.on('uncaughtException', (error) => {
  process.stderr.write(`bench failed: ${error.stack ?? String(error)}\n`);
  void finish(2);
});

main().then(
  (code) => finish(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    return finish(2);
  },
);
