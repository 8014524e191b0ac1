/**
 * CPU and memory accounting of a process tree from /proc (Linux only). CPU is utime + stime, plus
 * cutime + cstime so that a descendant which exits and is reaped between two readings still
 * counts (its time moves into its parent's c-fields). RSS is sampled because it is a level, not a
 * counter: the peak of the tree's sum over the samples.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

function sysconf(name: string, fallback: number): number {
  try {
    const value = Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim());
    return Number.isFinite(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  }
}

/** Clock ticks per second of the times in /proc/<pid>/stat. */
export const CLK_TCK = sysconf('CLK_TCK', 100);
const PAGE_SIZE = sysconf('PAGESIZE', 4096);

interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  /** utime + stime + cutime + cstime, in ticks. */
  ticks: number;
}

function readStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // gone between listing and reading
  }
  // "pid (comm) state ppid ..."; comm may contain spaces and parentheses, so cut at the last ")".
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const fields = text.slice(close + 2).split(' ');
  // Fields after ")": state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
  const n = (i: number) => Number(fields[i] ?? 0);
  return { pid, comm, ppid: n(1), ticks: n(11) + n(12) + n(13) + n(14) };
}

function rssBytes(pid: number): number {
  try {
    const resident = readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1];
    return Number(resident ?? 0) * PAGE_SIZE;
  } catch {
    return 0;
  }
}

/** Which part of the provider a process belongs to: its database server, or the rest (node). */
export type Part = 'node' | 'db';
const DATABASE_COMM = /ferretdb|mongod/i;

interface TreeMember extends ProcStat {
  part: Part;
}

/** The processes under `root` (inclusive), each tagged with its part. */
export function processTree(root: number): TreeMember[] {
  const children = new Map<number, ProcStat[]>();
  let rootStat: ProcStat | null = null;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (!stat) continue;
    if (stat.pid === root) rootStat = stat;
    const siblings = children.get(stat.ppid);
    if (siblings) siblings.push(stat);
    else children.set(stat.ppid, [stat]);
  }
  const out: TreeMember[] = [];
  if (!rootStat) return out;
  const stack: { stat: ProcStat; part: Part }[] = [{ stat: rootStat, part: 'node' }];
  // Bounded walk: a pid can appear once; a tree deeper than the pid count is impossible.
  for (let guard = 0; stack.length && guard < 100_000; guard++) {
    const next = stack.pop();
    if (!next) break;
    const part: Part = next.part === 'db' || DATABASE_COMM.test(next.stat.comm) ? 'db' : 'node';
    out.push({ ...next.stat, part });
    for (const child of children.get(next.stat.pid) ?? []) stack.push({ stat: child, part });
  }
  return out;
}

export interface CpuReading {
  node: number;
  db: number;
}

function cpuOf(tree: TreeMember[]): CpuReading {
  const reading = { node: 0, db: 0 };
  for (const member of tree) reading[member.part] += member.ticks / CLK_TCK;
  return reading;
}

/** Busy CPU seconds of the whole machine (all cores), from the first line of /proc/stat. */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const [, ...values] = line.trim().split(/\s+/);
  const ticks = values.slice(0, 8).map(Number); // user nice system idle iowait irq softirq steal
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  const total = ticks.reduce((a, b) => a + b, 0);
  return (total - idle) / CLK_TCK;
}

/** What a monitored interval cost: CPU seconds by part, peak RSS by part (bytes). */
export interface Usage {
  cpuSeconds: CpuReading;
  peakRss: { node: number; db: number; total: number };
  processes: string[];
  machineBusySeconds: number;
}

/**
 * Watches the provider's process tree during one phase: CPU at the start and the end, RSS every
 * `sampleMs`. The full /proc scan (to find new descendants) runs once a second; in between only
 * the known pids' statm is read, to keep the monitor's own CPU small.
 */
export class TreeMonitor {
  private readonly root: number;
  private readonly sampleMs: number;
  private timer: NodeJS.Timeout | undefined;
  private startCpu: CpuReading = { node: 0, db: 0 };
  private startMachine = 0;
  private members: TreeMember[] = [];
  private samples = 0;
  private peak = { node: 0, db: 0, total: 0 };
  private seen = new Set<string>();

  constructor(root: number, sampleMs = 200) {
    this.root = root;
    this.sampleMs = sampleMs;
  }

  start(): void {
    this.members = processTree(this.root);
    this.startCpu = cpuOf(this.members);
    this.startMachine = machineBusySeconds();
    this.peak = { node: 0, db: 0, total: 0 };
    this.samples = 0;
    this.seen = new Set();
    this.sample();
    this.timer = setInterval(() => this.sample(), this.sampleMs);
    this.timer.unref();
  }

  private sample(): void {
    if (this.samples++ % Math.max(1, Math.round(1000 / this.sampleMs)) === 0)
      this.members = processTree(this.root);
    const rss = { node: 0, db: 0 };
    for (const member of this.members) {
      rss[member.part] += rssBytes(member.pid);
      this.seen.add(`${member.pid}:${member.comm}`);
    }
    this.peak.node = Math.max(this.peak.node, rss.node);
    this.peak.db = Math.max(this.peak.db, rss.db);
    this.peak.total = Math.max(this.peak.total, rss.node + rss.db);
  }

  stop(): Usage {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    this.members = processTree(this.root);
    const end = cpuOf(this.members);
    return {
      cpuSeconds: { node: end.node - this.startCpu.node, db: end.db - this.startCpu.db },
      peakRss: { ...this.peak },
      processes: [...this.seen],
      machineBusySeconds: machineBusySeconds() - this.startMachine,
    };
  }
}

/** RSS of the tree right now, by part (bytes). */
export function treeRss(root: number): { node: number; db: number } {
  const rss = { node: 0, db: 0 };
  for (const member of processTree(root)) rss[member.part] += rssBytes(member.pid);
  return rss;
}
