import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, mayBeNodeProcess, readPid } from './processes.ts';

const LOCK_FILE = 'twofold.lock';

/** Lock files this process holds, removed at exit however the process ends (short of SIGKILL). */
const held = new Set<string>();
let exitHookInstalled = false;

/** Thrown when another live process owns the data folder. */
export class DatabaseInUseError extends Error {
  override name = 'DatabaseInUseError';
  readonly pid: number;

  constructor(pid: number, dir: string) {
    super(
      `another Twofold process (pid ${pid}) is using the local database in ${dir}; stop it first or set MONGODB_URI`,
    );
    this.pid = pid;
  }
}

/** Ownership of a data folder; `release` is idempotent. */
export interface DataLock {
  release(): void;
}

/**
 * Takes the data folder for this process: a lock file created with O_EXCL holding our pid, so a
 * second provider (or CLI) can never start a second server on the same files. A lock whose owner
 * is gone (killed, crashed) is taken over.
 *
 * @throws DatabaseInUseError while the owner is alive.
 */
export function acquireDataLock(dir: string): DataLock {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 5; attempt += 1) {
    if (tryCreate(path)) return { release: () => release(path) };
    const owner = readPid(path);
    if (owner !== undefined && ownsLock(owner, path)) throw new DatabaseInUseError(owner, dir);
    removeStale(path, owner);
  }
  throw new Error(`could not take the lock ${path}: it keeps changing hands`);
}

/**
 * The live process holding the lock of `dir`, if any (this process included), so the CLI can use
 * the server that process runs instead of starting one.
 */
export function lockOwner(dir: string): number | undefined {
  const path = join(dir, LOCK_FILE);
  const owner = readPid(path);
  return owner !== undefined && ownsLock(owner, path) ? owner : undefined;
}

function tryCreate(path: string): boolean {
  try {
    writeFileSync(path, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  held.add(path);
  installExitHook();
  return true;
}

/** Our own pid counts only if this process took the lock (a previous run may have had our pid). */
function ownsLock(pid: number, path: string): boolean {
  if (pid === process.pid) return held.has(path);
  return isAlive(pid) && mayBeNodeProcess(pid);
}

/** Removes a stale lock unless someone replaced it since we read it. */
function removeStale(path: string, stalePid: number | undefined): void {
  if (readPid(path) === stalePid) rmSync(path, { force: true });
}

function release(path: string): void {
  if (!held.delete(path)) return;
  try {
    if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path, { force: true });
  } catch {
    // already gone
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const path of [...held]) release(path);
  });
}
