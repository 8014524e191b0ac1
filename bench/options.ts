/** The bench's settings, from the environment and `npm run bench -- --scale`. */

export interface Options {
  seconds: number;
  concurrency: number;
  warmupSeconds: number;
  users: number;
  setupConcurrency: number;
  /** How the bench users are created: the operator CLI (one process each), or one store call. */
  userSetup: 'cli' | 'store';
  /** per-user: each bench user's browser has its own loopback address; single: all 127.0.0.1. */
  clientAddresses: 'per-user' | 'single';
  /** Users-collection sizes for scale mode; empty: default mode. */
  scale: number[];
  /** Remembered browsers to add after the largest size (scale mode only); 0: none. */
  browsers: number;
  signInScope: string;
  phases: string[];
  outDir: string;
}

/** "1k" → 1000, "1.5M" → 1500000, "2500" → 2500. */
export function parseCount(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*$/.exec(text);
  if (!m?.[1]) throw new Error(`not a count: "${text}" (use e.g. 1000, 10k, 1M)`);
  const n =
    Number(m[1]) * (m[2]?.toLowerCase() === 'k' ? 1e3 : m[2]?.toLowerCase() === 'm' ? 1e6 : 1);
  return Math.round(n);
}

export function formatCount(n: number): string {
  if (n >= 1e6 && n % 1e5 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 100 === 0) return `${n / 1e3}k`;
  return String(n);
}

function number(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new Error(`${name} must be a number from ${min} to ${max}, got "${raw}"`);
  return n;
}

function userSetup(): 'cli' | 'store' {
  const value = process.env.BENCH_USER_SETUP || 'store';
  if (value !== 'cli' && value !== 'store')
    throw new Error(`BENCH_USER_SETUP must be cli or store, got "${value}"`);
  return value;
}

function clientAddresses(): 'per-user' | 'single' {
  const value = process.env.BENCH_CLIENT_ADDRESSES || 'per-user';
  if (value !== 'per-user' && value !== 'single')
    throw new Error(`BENCH_CLIENT_ADDRESSES must be per-user or single, got "${value}"`);
  return value;
}

const DEFAULT_SCALE = '1k,10k,100k';
const PHASES = ['signin', 'refresh', 'cc'];

export function readOptions(argv: string[], defaultOutDir: string): Options {
  const unknown = argv.filter((a) => a !== '--scale');
  if (unknown.length) throw new Error(`unknown argument ${unknown.join(' ')} (only --scale)`);
  const scaleText = process.env.BENCH_SCALE || (argv.includes('--scale') ? DEFAULT_SCALE : '');
  const scale = scaleText
    .split(',')
    .filter((s) => s.trim())
    .map(parseCount);
  for (let i = 1; i < scale.length; i++)
    if ((scale[i] ?? 0) <= (scale[i - 1] ?? 0)) throw new Error('BENCH_SCALE sizes must grow');
  const phases = (process.env.BENCH_PHASES || PHASES.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const p of phases)
    if (!PHASES.includes(p))
      throw new Error(`BENCH_PHASES: unknown phase ${p} (${PHASES.join(',')})`);
  return {
    seconds: number('BENCH_SECONDS', 15, 1, 3600),
    concurrency: Math.round(number('BENCH_CONCURRENCY', 4, 1, 256)),
    warmupSeconds: number('BENCH_WARMUP_SECONDS', 5, 0, 600),
    users: Math.round(number('BENCH_USERS', 200, 1, 50_000)), // 250 x 200 source addresses
    setupConcurrency: Math.round(number('BENCH_SETUP_CONCURRENCY', 3, 1, 16)),
    userSetup: userSetup(),
    clientAddresses: clientAddresses(),
    scale,
    browsers: process.env.BENCH_BROWSERS ? parseCount(process.env.BENCH_BROWSERS) : 0,
    signInScope: process.env.BENCH_SIGNIN_SCOPE || 'openid profile email roles',
    phases,
    outDir: process.env.BENCH_OUT_DIR || defaultOutDir,
  };
}

export const USAGE = `npm run bench [-- --scale]

  BENCH_SECONDS=15          length of each measured phase
  BENCH_CONCURRENCY=4       simultaneous operations in a phase
  BENCH_WARMUP_SECONDS=5    unmeasured warm-up before each phase (3 at most in scale steps)
  BENCH_USERS=200           bench users, each with 2FA turned on through Profile
  BENCH_SETUP_CONCURRENCY=3 user creations (CLI) + enrollments at once
  BENCH_USER_SETUP=store    store: all at once (default); cli: \`user:create\` per user (~0.7 s CPU each)
                            through the project's store (bench/fill.ts, one argon2 hash)
  BENCH_SCALE=1k,10k,100k   scale mode (also: -- --scale): grow the users collection to each size
                            and measure sign-in and refresh again
  BENCH_BROWSERS=1M         scale mode: then add remembered browsers and measure once more
  BENCH_CLIENT_ADDRESSES=per-user   each user's browser connects from its own loopback address
                            (127.77.x.y; the relying party's token calls from 127.0.0.1), as
                            real users do; single: every request from 127.0.0.1
  BENCH_SIGNIN_SCOPE        scope of the measured sign-ins (default "openid profile email roles")
  BENCH_PHASES=signin,refresh,cc
  BENCH_OUT_DIR=bench/results
  MONGODB_URI               use this server (a throwaway database on it) instead of a local one
  ARGON2_MEMORY_KIB, ARGON2_TIME_COST, ARGON2_PARALLELISM   passed on to the provider`;
