import type mongoose from 'mongoose';
import type { Metrics } from './metrics.ts';

/** Command names counted by name; anything else (rare admin commands) is `other`. */
const COMMANDS = new Set([
  'aggregate',
  'count',
  'create',
  'createIndexes',
  'delete',
  'distinct',
  'drop',
  'endSessions',
  'find',
  'findAndModify',
  'getMore',
  'insert',
  'killCursors',
  'listCollections',
  'listIndexes',
  'ping',
  'update',
]);

function commandLabel(name: string): string {
  return COMMANDS.has(name) ? name : 'other';
}

/**
 * Database latency and errors from the driver's command monitoring (the connection is opened
 * with `monitorCommands: true`, src/store/connection.ts). Only the command's name and duration
 * are read, never the command or reply documents, which hold user data.
 */
export function observeDatabase(connection: mongoose.Connection, metrics: Metrics): void {
  const client = connection.getClient();
  client.on('commandSucceeded', (event) => {
    metrics.dbDuration.observe({ command: commandLabel(event.commandName) }, event.duration / 1000);
  });
  client.on('commandFailed', (event) => {
    const command = commandLabel(event.commandName);
    metrics.dbDuration.observe({ command }, event.duration / 1000);
    metrics.dbErrors.inc({ command });
  });
}
