/**
 * One measured phase: `concurrency` loops repeating an operation until a deadline, with the
 * provider's process tree watched from /proc and the driver's own CPU from process.cpuUsage().
 */
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { counters } from './http.ts';
import { TreeMonitor } from './proc.ts';
import type { Laps } from './oidc.ts';

/** Lap name an operation uses for time spent waiting before it could start (not latency). */
export const WAIT = 'wait';

/** What one operation did: done, or 'stop' when it could not start (no user, no token). */
export type Operation = (worker: number, laps: Laps, deadline: number) => Promise<void | 'stop'>;

export interface PhaseResult {
  phase: string;
  label: string;
  concurrency: number;
  seconds: number;
  ok: number;
  failures: number;
  errors: string[];
  throughput: number;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null; max: number | null };
  stepsP50Ms: Record<string, number | null>;
  httpRequestsPerOp: number | null;
  provider: {
    cpuSeconds: number;
    nodeCpuSeconds: number;
    dbCpuSeconds: number;
    opsPerCpuSecond: number | null;
    cpuMsPerOp: number | null;
    nodeCpuMsPerOp: number | null;
    dbCpuMsPerOp: number | null;
    peakRssMiB: number;
    nodePeakRssMiB: number;
    dbPeakRssMiB: number;
    processes: string[];
  };
  driver: { cpuSeconds: number; cpuMsPerOp: number | null };
  /** Busy CPU of everything else on the machine during the phase (other work disturbs figures). */
  otherCpuSeconds: number;
  loadAverage: number;
  /** Sign-ins: time the driver waited for a user with a fresh TOTP step (not in the latency). */
  totpWaitSeconds?: number;
  /** Sign-ins: workers that stopped before the deadline because no user had a fresh step. */
  totpStarvedWorkers?: number;
  notes: string[];
}

export function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  const index = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, index))] ?? null;
}

const MAX_FAILURES = 200;
const MiB = 1024 * 1024;

export async function runPhase(options: {
  phase: string;
  label: string;
  pid: number;
  concurrency: number;
  seconds: number;
  operation: Operation;
}): Promise<PhaseResult> {
  const { concurrency, operation } = options;
  const latencies: number[] = [];
  const laps = new Map<string, number[]>();
  const errors = new Map<string, number>();
  let failures = 0;
  const monitor = new TreeMonitor(options.pid);
  monitor.start();
  const cpu0 = process.cpuUsage();
  const requests0 = counters.requests;
  const t0 = performance.now();
  const deadline = t0 + options.seconds * 1000;

  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let n = 0; n < 1_000_000 && performance.now() < deadline; n++) {
        const mine: Laps = {};
        const started = performance.now();
        try {
          if ((await operation(worker, mine, deadline)) === 'stop') return;
          // Time spent waiting for a bench user with a fresh TOTP step is not the provider's.
          latencies.push(performance.now() - started - (mine[WAIT] ?? 0));
          delete mine[WAIT];
          for (const [name, ms] of Object.entries(mine)) {
            const list = laps.get(name);
            if (list) list.push(ms);
            else laps.set(name, [ms]);
          }
        } catch (error) {
          failures++;
          const message = (error instanceof Error ? error.message : String(error)).slice(0, 300);
          errors.set(message, (errors.get(message) ?? 0) + 1);
          if (failures >= MAX_FAILURES) return;
          await sleep(20); // no tight error loop
        }
      }
    }),
  );

  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const usage = monitor.stop();
  const requests = counters.requests - requests0;
  latencies.sort((a, b) => a - b);
  const ok = latencies.length;
  const total = usage.cpuSeconds.node + usage.cpuSeconds.db;
  const driverCpu = (cpu.user + cpu.system) / 1e6;
  const perOp = (s: number) => (ok ? (s * 1000) / ok : null);
  const stepsP50Ms: Record<string, number | null> = {};
  for (const [name, list] of laps)
    stepsP50Ms[name] = percentile(
      list.sort((a, b) => a - b),
      50,
    );
  return {
    phase: options.phase,
    label: options.label,
    concurrency,
    seconds,
    ok,
    failures,
    errors: [...errors]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([message, n]) => `${n}x ${message}`),
    throughput: ok / seconds,
    latencyMs: {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? null,
    },
    stepsP50Ms,
    httpRequestsPerOp: ok + failures ? requests / (ok + failures) : null,
    provider: {
      cpuSeconds: total,
      nodeCpuSeconds: usage.cpuSeconds.node,
      dbCpuSeconds: usage.cpuSeconds.db,
      opsPerCpuSecond: total > 0 ? ok / total : null,
      cpuMsPerOp: perOp(total),
      nodeCpuMsPerOp: perOp(usage.cpuSeconds.node),
      dbCpuMsPerOp: perOp(usage.cpuSeconds.db),
      peakRssMiB: usage.peakRss.total / MiB,
      nodePeakRssMiB: usage.peakRss.node / MiB,
      dbPeakRssMiB: usage.peakRss.db / MiB,
      processes: usage.processes,
    },
    driver: { cpuSeconds: driverCpu, cpuMsPerOp: perOp(driverCpu) },
    otherCpuSeconds: Math.max(0, usage.machineBusySeconds - total - driverCpu),
    loadAverage: loadavg()[0] ?? 0,
    notes: [],
  };
}
