import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ferretdbBinary, findOnPath } from './local-database/build.ts';
import { ensurePrivateDir, restrictTree, writePrivateFile } from './local-database/files.ts';
import { acquireDataLock, lockOwner } from './local-database/lock.ts';
import { freePort } from './local-database/processes.ts';
import { superviseServer, type ServerSpec } from './local-database/supervisor.ts';

export { FERRETDB_VERSION } from './local-database/build.ts';
export { DatabaseInUseError } from './local-database/lock.ts';
export { freePort } from './local-database/processes.ts';

/** A MongoDB wire-protocol server this process started, or an external one it was given. */
export interface LocalDatabase {
  uri: string;
  kind: 'external' | 'mongod' | 'ferretdb';
  /** FerretDB only: the folder holding its SQLite files (`--sqlite-url=file:<sqliteDir>/`). */
  sqliteDir?: string;
  /** Stops a server we started (idempotent); nothing for an external one. */
  stop(): Promise<void>;
}

export interface ProvisionOptions {
  /** `MONGODB_URI`; when set, nothing is started. */
  uri: string | undefined;
  /** Folder for the server's files (persistent for `npm start`, throwaway for tests). */
  dataDir: string;
  /** Project-local cache where a FerretDB binary is built on first use. */
  cacheDir: string;
  /** Database name used in the returned URI. */
  dbName: string;
  /** Progress messages for humans (never secrets). */
  log: (message: string) => void;
  /** Fixed loopback port for a started server (tests restart one on the same port); default: a free one. */
  port?: number;
}

/** Where a running server's address is published for the CLI (see `runningLocalDatabase`). */
const ENDPOINT_FILE = 'endpoint.json';

/**
 * Finds or starts a MongoDB wire-protocol server: `MONGODB_URI` if set, else a `mongod` on PATH,
 * else FerretDB with its SQLite backend (built into the cache on first use). Tests and local runs
 * therefore always talk to a real server; nothing is mocked. A started server owns its data
 * folder (lock file, owner-only permissions), dies with this process and is restarted if it
 * dies on its own.
 *
 * @throws DatabaseInUseError when another live process already serves `dataDir`.
 */
export async function provisionDatabase(options: ProvisionOptions): Promise<LocalDatabase> {
  if (options.uri) return { uri: options.uri, kind: 'external', stop: async () => {} };
  const dataDir = ensurePrivateDir(resolve(options.dataDir));
  const lock = acquireDataLock(dataDir);
  let database: LocalDatabase;
  try {
    database = await startLocalServer({ ...options, dataDir });
    const endpoint = { uri: database.uri, pid: process.pid };
    writePrivateFile(join(dataDir, ENDPOINT_FILE), JSON.stringify(endpoint));
  } catch (error) {
    lock.release();
    throw error;
  }
  let stopped: Promise<void> | undefined;
  const stop = async () => {
    rmSync(join(dataDir, ENDPOINT_FILE), { force: true });
    await database.stop();
    lock.release();
  };
  return { ...database, stop: () => (stopped ??= stop()) };
}

/**
 * The server a running `npm start` (or another live process) provisioned in `dataDir`, if any,
 * so the CLI talks to the same database instead of being refused the folder's lock. Also while
 * that process is restarting its server: the CLI's connect timeout covers the gap.
 */
export async function runningLocalDatabase(dataDir: string): Promise<LocalDatabase | undefined> {
  const dir = resolve(dataDir);
  const owner = lockOwner(dir);
  if (owner === undefined) return undefined;
  try {
    const endpoint = JSON.parse(readFileSync(join(dir, ENDPOINT_FILE), 'utf8')) as {
      uri: string;
      pid: number;
    };
    if (endpoint.pid !== owner) return undefined;
    return { uri: endpoint.uri, kind: 'external', stop: async () => {} };
  } catch {
    return undefined;
  }
}

async function startLocalServer(options: ProvisionOptions): Promise<LocalDatabase> {
  const mongod = findOnPath('mongod');
  if (mongod)
    return startServer(mongodSpec(mongod, options.dataDir, await portFor(options)), options);
  const binary = await ferretdbBinary(options.cacheDir, options.log);
  const spec = ferretdbSpec(binary, options.dataDir, await portFor(options));
  return { ...(await startServer(spec, options)), sqliteDir: sqliteDirOf(options.dataDir) };
}

function portFor(options: ProvisionOptions): Promise<number> {
  return options.port === undefined ? freePort() : Promise.resolve(options.port);
}

function sqliteDirOf(dataDir: string): string {
  return join(dataDir, 'ferretdb');
}

function ferretdbSpec(binary: string, dataDir: string, port: number): ServerSpec {
  const dir = privateFolder(sqliteDirOf(dataDir));
  const sqliteUrl = `--sqlite-url=file:${dir}/`;
  return {
    kind: 'ferretdb',
    binary,
    port,
    args: [
      '--handler=sqlite',
      sqliteUrl,
      `--state-dir=${dir}`,
      `--listen-addr=127.0.0.1:${port}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=error',
    ],
    pidFile: join(dataDir, 'ferretdb.pid'),
    dataArg: sqliteUrl,
  };
}

function mongodSpec(binary: string, dataDir: string, port: number): ServerSpec {
  const dir = privateFolder(join(dataDir, 'mongod'));
  return {
    kind: 'mongod',
    binary,
    port,
    args: ['--dbpath', dir, '--bind_ip', '127.0.0.1', '--port', String(port), '--quiet'],
    pidFile: join(dataDir, 'mongod.pid'),
    dataArg: dir,
  };
}

/** A server's own folder, owner-only down to the files an earlier version left readable. */
function privateFolder(dir: string): string {
  ensurePrivateDir(dir);
  restrictTree(dir);
  return dir;
}

async function startServer(spec: ServerSpec, options: ProvisionOptions): Promise<LocalDatabase> {
  const server = await superviseServer(spec, options.log);
  options.log(
    `Started ${spec.kind} on 127.0.0.1:${spec.port} (pid ${server.pid()}, data in ${options.dataDir})`,
  );
  return {
    uri: `mongodb://127.0.0.1:${spec.port}/${options.dbName}`,
    kind: spec.kind,
    stop: () => server.stop(),
  };
}
