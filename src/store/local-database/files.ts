import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Creates `dir` (and missing parents) for the owner only, and tightens it when it already
 * existed: the database files inside hold password hashes and encrypted TOTP secrets.
 */
export function ensurePrivateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  return dir;
}

/** Writes a file only the owner can read or write (0600), also when it already existed. */
export function writePrivateFile(path: string, data: string): void {
  writeFileSync(path, data, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/**
 * Owner-only permissions on everything under `dir`: folders 0700, files 0600. Servers we start
 * create new files with umask 077 (see `launchCommand` in ./processes.ts); this also fixes files
 * an earlier version left readable by others. Symbolic links are left alone.
 */
export function restrictTree(dir: string): void {
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) restrictTree(path);
    else if (entry.isFile()) chmodSync(path, 0o600);
  }
}
