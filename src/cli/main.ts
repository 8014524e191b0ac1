import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { ZodError } from 'zod';
import { ConfigError, loadConfig } from '../config.ts';
import { isAppError } from '../domain/errors.ts';
import { parseKeyRing } from '../domain/secret-box.ts';
import { createServices } from '../services/index.ts';
import { seedRoles } from '../services/seed.ts';
import { connectDatabase } from '../store/connection.ts';
import { createStore, prepareDatabase } from '../store/index.ts';
import { provisionDatabase, runningLocalDatabase } from '../store/local-database.ts';
import { cliCommands, COMMAND_NAMES, type CliCommandName, type Options } from './commands.ts';

const USAGE = `Usage: npm run cli -- <command> [options]

  user:create   --email E --password P [--name N] [--role R]... [--group G]...
  user:add-role --email E --role R
  user:add-group --email E --group G
  user:list
  role:create   --name R [--enforce-2fa [--grace-days N]] [--admin]
  role:list
  group:create  --name G [--role R]...
  group:list
  client:create --id ID --secret S --redirect-uri URI... [--post-logout-redirect-uri URI]...
                [--name N] [--first-party] [--require-mfa] [--admin-api]
                [--backchannel-logout-uri URI]
  client:create --id ID --secret S --grant client-credentials --scope "admin:read [admin:write]"
                [--name N]
  client:list
  keys:reseal   re-encrypt everything sealed with TOTP_ENCRYPTION_KEYS under its first key
  keys:rotate-signing [--activate]
                publish new signing keys; --activate makes them sign (README "Key rotation")`;

/** `npm run cli`: operator commands against the configured (or local) database. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      email: { type: 'string' },
      password: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string', multiple: true },
      group: { type: 'string', multiple: true },
      id: { type: 'string' },
      secret: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      'backchannel-logout-uri': { type: 'string' },
      'enforce-2fa': { type: 'boolean' },
      'grace-days': { type: 'string' },
      admin: { type: 'boolean' },
      'first-party': { type: 'boolean' },
      'require-mfa': { type: 'boolean' },
      'admin-api': { type: 'boolean' },
      grant: { type: 'string' },
      scope: { type: 'string' },
      activate: { type: 'boolean' },
    },
    strict: true,
  });
  const options: Options = {
    ...values,
    role: values.role?.length === 1 ? values.role[0] : values.role,
    group: values.group?.length === 1 ? values.group[0] : values.group,
  };
  const config = loadConfig(process.env);
  if (!command || !(COMMAND_NAMES as readonly string[]).includes(command)) {
    process.stderr.write(`${command ? `Unknown command: ${command}\n\n` : ''}${USAGE}\n`);
    return 2;
  }
  const dataDir = join(config.dataDir, 'db');
  const database =
    (config.mongodbUri ? undefined : await runningLocalDatabase(dataDir)) ??
    (await provisionDatabase({
      uri: config.mongodbUri,
      dataDir,
      cacheDir: config.cacheDir,
      dbName: 'twofold',
      log: (m) => process.stderr.write(`${m}\n`),
    }));
  const connection = await connectDatabase(
    database.uri,
    config.dbConnectTimeoutMs,
    config.dbOperationTimeoutMs,
  );
  try {
    const { consistency, expiry } = await prepareDatabase(connection);
    expiry.stop();
    const store = createStore(connection, consistency);
    await seedRoles(config, store);
    // Logs go to stderr, never among the command's output. The CLI only queues notifications;
    // the running provider sends them.
    const log = pino({ level: config.logLevel }, pino.destination(2));
    const services = createServices(config, store, parseKeyRing(config.totpEncryptionKeys), log);
    const lines = await cliCommands(services)[command as CliCommandName](options);
    process.stdout.write(`${lines.join('\n')}${lines.length ? '\n' : ''}`);
    return 0;
  } finally {
    await connection.close();
    await database.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (isAppError(error) || error instanceof ConfigError)
      process.stderr.write(`Error: ${error.message}\n`);
    else if (error instanceof ZodError)
      process.stderr.write(`Error: ${error.issues.map((i) => i.message).join('; ')}\n`);
    else if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))
      process.stderr.write(`Error: ${(error as Error).message}\n\n${USAGE}\n`);
    else process.stderr.write(`Error: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
