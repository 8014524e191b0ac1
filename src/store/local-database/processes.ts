import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { basename } from 'node:path';
import { findOnPath } from './build.ts';

/** True while `pid` is a running process (of any user); a zombie counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return processState(pid) !== 'Z';
}

/** The one-letter state from /proc/<pid>/stat (R, S, T, Z...), where /proc exists. */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).charAt(0) || undefined;
  } catch {
    return undefined;
  }
}

/** A process's arguments (argv[0] first) from /proc; undefined without /proc or once it is gone. */
export function commandLine(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw ? raw.replace(/\0$/, '').split('\0') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` may be a Node.js process (and so a Twofold one). Only a definite "no" from
 * /proc/<pid>/exe counts: a pid reused by another program after a crash or reboot must not keep
 * the database locked, but when we cannot tell we assume it is ours.
 */
export function mayBeNodeProcess(pid: number): boolean {
  let exe: string;
  try {
    exe = readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch {
    return true;
  }
  return exe === realpathSync(process.execPath) || /node/i.test(basename(exe));
}

/**
 * How to start a database server so that it dies with us and keeps its files private:
 * `/bin/sh -c 'umask 077 && exec ...'` makes every file it creates 0600, and util-linux
 * `setpriv --pdeathsig SIGKILL` (Linux) has the kernel kill it when the thread that spawned it
 * exits, which is Node's main thread, so also when this process is killed with SIGKILL. Each step
 * `exec`s the next, so the pid we get is the server's own.
 */
export function launchCommand(binary: string, args: string[]): { command: string; args: string[] } {
  const setpriv = findOnPath('setpriv');
  const argv = setpriv
    ? [setpriv, '--pdeathsig', 'SIGKILL', '--', binary, ...args]
    : [binary, ...args];
  if (!existsSync('/bin/sh')) return { command: argv[0] ?? binary, args: argv.slice(1) };
  return { command: '/bin/sh', args: ['-c', 'umask 077 && exec "$@"', 'sh', ...argv] };
}

/** Whether `launchCommand` can tie a server's life to ours (util-linux `setpriv` on PATH). */
export function diesWithParent(): boolean {
  return findOnPath('setpriv') !== undefined;
}

/**
 * Processes of `binary` still serving `dataArg` (an argument naming the data folder) from an
 * earlier run: the pid recorded in `pidFile` and, on Linux, any other found in /proc (covers
 * servers started before pid files existed). Each candidate's command line is checked, so a pid
 * reused by an unrelated process is never picked.
 */
export function leftoverServers(pidFile: string, binary: string, dataArg: string): number[] {
  const candidates = new Set<number>();
  const recorded = readPid(pidFile);
  if (recorded !== undefined) candidates.add(recorded);
  for (const entry of listProc()) candidates.add(Number(entry));
  return [...candidates].filter((pid) => {
    if (pid === process.pid) return false;
    const argv = commandLine(pid);
    return (
      argv !== undefined && basename(argv[0] ?? '') === basename(binary) && argv.includes(dataArg)
    );
  });
}

function listProc(): string[] {
  try {
    return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return [];
  }
}

/** The pid written in `file`, if it holds one. */
export function readPid(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** SIGKILLs `pids` and waits (up to 5 s) until they are gone. */
export async function killAndWait(pids: number[]): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 5000;
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(50);
}

/**
 * Stops a child we started: SIGTERM (with SIGCONT, so a stopped process handles it), then
 * SIGKILL after 5 s.
 */
export function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
    child.kill('SIGCONT');
  });
}

/** Waits until something accepts connections on the loopback `port`, while `child` runs. */
export async function awaitListening(
  child: ChildProcess,
  port: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`exited (${describeExit(child.exitCode, child.signalCode)})`);
    }
    if (await canConnect(port)) return;
    if (Date.now() > deadline) {
      throw new Error(`did not start listening on 127.0.0.1:${port} within ${timeoutMs / 1000} s`);
    }
    await sleep(100);
  }
}

/** "code 1" or "signal SIGKILL", for log lines. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `code ${code}`;
}

/** True when a TCP connection to 127.0.0.1:`port` succeeds. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Asks the kernel for a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
