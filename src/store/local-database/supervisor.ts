import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { writePrivateFile } from './files.ts';
import {
  awaitListening,
  describeExit,
  killAndWait,
  launchCommand,
  leftoverServers,
  terminate,
} from './processes.ts';

/** A database server process to keep running on a fixed loopback port. */
export interface ServerSpec {
  kind: 'mongod' | 'ferretdb';
  binary: string;
  args: string[];
  port: number;
  /** Where the running server's pid is recorded, to find it after we were killed. */
  pidFile: string;
  /** An argument naming the server's data folder, to recognise leftovers of earlier runs. */
  dataArg: string;
}

/** A server kept alive until `stop()`. */
export interface SupervisedServer {
  /** The server's current pid (it changes when it is restarted); undefined between restarts. */
  pid(): number | undefined;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;
const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 10_000;
/** A server that ran this long before dying starts over at the first backoff. */
const STABLE_AFTER_MS = 60_000;

interface Running {
  child: ChildProcess;
  startedAt: number;
  stderr: string;
}

/**
 * Starts a server and restarts it (same port, backoff 0.5 s doubling to 10 s, reset after a
 * minute of uptime) whenever it exits without `stop()`; the mongodb driver reconnects by itself.
 * First kills leftovers of an earlier run on the same files (call it only while holding the data
 * folder's lock, see ./lock.ts). Resolves once the server accepts connections.
 */
export async function superviseServer(
  spec: ServerSpec,
  log: (message: string) => void,
): Promise<SupervisedServer> {
  await killLeftovers(spec, log);
  let current: Running | undefined;
  let supervising = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let backoff = FIRST_BACKOFF_MS;

  /** Logs why and starts again after the current backoff, which then doubles. */
  const scheduleRestart = (why: string, ranFor: number) => {
    if (ranFor >= STABLE_AFTER_MS) backoff = FIRST_BACKOFF_MS;
    const delay = backoff;
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    log(`${why}; restarting it on 127.0.0.1:${spec.port} in ${delay / 1000} s`);
    restartTimer = setTimeout(restart, delay);
  };

  const start = (): Running => {
    const running = launch(spec);
    current = running;
    running.child.once('exit', (code, signal) => {
      if (!supervising || current !== running) return;
      current = undefined;
      const how = `${describeExit(code, signal)}${lastLine(running.stderr)}`;
      const why = `${spec.kind} (pid ${running.child.pid}) exited unexpectedly (${how})`;
      scheduleRestart(why, Date.now() - running.startedAt);
    });
    return running;
  };

  const restart = () => {
    restartTimer = undefined;
    if (!supervising) return;
    let running: Running;
    try {
      running = start();
    } catch (error) {
      scheduleRestart(`${spec.kind} could not be started (${(error as Error).message})`, 0);
      return;
    }
    // When it does not come up, the exit handler above schedules the next attempt.
    awaitListening(running.child, spec.port, START_TIMEOUT_MS).catch(() =>
      running.child.kill('SIGKILL'),
    );
  };

  const killOnExit = () => current?.child.kill('SIGTERM');
  const first = start();
  try {
    await awaitListening(first.child, spec.port, START_TIMEOUT_MS);
  } catch (error) {
    await terminate(first.child);
    rmSync(spec.pidFile, { force: true });
    throw new Error(`${spec.kind} ${(error as Error).message}: ${first.stderr}`, { cause: error });
  }
  supervising = true;
  // Where the kernel cannot tie the server's life to ours (no setpriv), at least a normal exit,
  // an uncaught exception or process.exit() takes it down.
  process.on('exit', killOnExit);

  return {
    pid: () => current?.child.pid,
    async stop() {
      supervising = false;
      clearTimeout(restartTimer);
      process.off('exit', killOnExit);
      const running = current;
      current = undefined;
      if (running) await terminate(running.child);
      rmSync(spec.pidFile, { force: true });
    },
  };
}

function launch(spec: ServerSpec): Running {
  const { command, args } = launchCommand(spec.binary, spec.args);
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const running: Running = { child, startedAt: Date.now(), stderr: '' };
  child.on('error', (error) => (running.stderr += `\n${error.message}`));
  child.stderr?.on('data', (chunk: Buffer) => {
    running.stderr = (running.stderr + chunk.toString()).slice(-4000);
  });
  if (child.pid) writePrivateFile(spec.pidFile, `${child.pid}\n`);
  return running;
}

async function killLeftovers(spec: ServerSpec, log: (message: string) => void): Promise<void> {
  const pids = leftoverServers(spec.pidFile, spec.binary, spec.dataArg);
  if (pids.length === 0) return;
  log(
    `Stopping ${spec.kind} left over from an earlier run on the same files (pid ${pids.join(', ')})`,
  );
  await killAndWait(pids);
}

/** ": <last line of stderr>", to say why a server died. */
function lastLine(stderr: string): string {
  const line = stderr.trim().split('\n').pop()?.trim();
  return line ? `: ${line.slice(0, 300)}` : '';
}
