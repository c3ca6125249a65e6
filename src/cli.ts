import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { parseWorkers, runPrimary, runWorker, workersRefusal } from './cluster.js';
import { loadConfig } from './config.js';
import { openDatabase } from './db/connection.js';
import { migrateToLatest } from './db/migrator.js';
import { startServer } from './main.js';
import { createApiKey, getApiKey, listApiKeys, revokeApiKey } from './modules/api-keys/index.js';
import { formatVerifyReport, verifyInventory } from './modules/inventory/index.js';
import { DATE_RULE, parseInstant } from './platform/schemas.js';

const USAGE = `Usage: opsline <command> [options]

  serve [--workers N|auto]                migrate, then start the API server (N processes
                                          on one port: PostgreSQL only)
  migrate                                 apply database migrations and exit
  keys create --scopes a,b [--name N] [--expires 2027-01-01T00:00:00Z]
                                          create an API key and print its secret once
                                          (scopes: <resource>:read|write|*, admin or *)
  keys list                               list API keys (never their secrets)
  keys revoke <id>                        revoke an API key
  verify                                  check every inventory item against its ledger;
                                          exits 1 when any has drifted
  help                                    this text

\`opsline <command> --help\` describes one command. Configuration comes from the environment
(DATABASE_URL, PORT, HOST, LOG_LEVEL, ...): see README.md.`;

/** Each command's own --help. */
const HELP: Record<string, string> = {
  serve: `Usage: opsline serve [--workers N|auto]

Applies pending migrations, creates the first admin API key if there is none (printed once),
then serves the API on HOST:PORT (default 127.0.0.1:8080) until SIGINT or SIGTERM.

  --workers, -w  server processes sharing the port (default 1, or WORKERS from the environment;
                 auto = one per CPU core). More than one needs PostgreSQL: SQLite refuses it.
                 The first process migrates and creates the admin key once, then starts the
                 workers; a worker that crashes is started again (at most 5 times a minute).
                 Each worker opens up to DATABASE_POOL_SIZE (default 16) database connections.
                 Rate limits are counted per process: with N workers a key can make up to N
                 times RATE_LIMIT_PER_MINUTE.

SIGINT or SIGTERM drains every process: /ready answers 503, listening stops, requests in flight
finish, then the database connections close.`,
  migrate: `Usage: opsline migrate

Applies pending database migrations to DATABASE_URL and exits.`,
  verify: `Usage: opsline verify

Recomputes every inventory item's on_hand from its movements and reserved from its active
reservations; prints each drift and exits 1 if any, 0 when everything agrees. Read-only.`,
  keys: `Usage: opsline keys <create|list|revoke> [options]

  keys create --scopes a,b [--name N] [--expires ISO-8601]
  keys list
  keys revoke <id>

\`opsline keys <subcommand> --help\` describes one.`,
  'keys create': `Usage: opsline keys create --scopes <list> [--name <name>] [--expires <date>]

  --scopes   comma-separated scopes: <resource>:read, <resource>:write, <resource>:*, admin or *
             e.g. --scopes orders:read,orders:write
  --name     a label shown by keys list
  --expires  when the key stops working: an ISO 8601 date or date-time in the future,
             e.g. 2027-01-01 or 2027-01-01T09:00:00Z

Prints the secret once; only its hash is stored.`,
  'keys list': `Usage: opsline keys list

Lists every API key, newest first: id, status, key prefix, scopes, name, expiry. Never secrets.`,
  'keys revoke': `Usage: opsline keys revoke <id>

Revokes the key with this id (see keys list); it stops working at once.`,
};

/** Parses a command's options; --help prints its help and stops. */
function parseCommand(
  name: string,
  args: string[],
  options: NonNullable<Parameters<typeof parseArgs>[0]>['options'] = {},
) {
  const parsed = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { ...options, help: { type: 'boolean', short: 'h' } },
  });
  if (parsed.values.help) {
    console.log(HELP[name] ?? USAGE);
    return undefined;
  }
  return parsed;
}

// YYYY-MM-DD, optionally with a time and zone: what Date.parse reads the same everywhere.

function parseExpires(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  // The API's one date rule (platform/schemas.ts), so the CLI and POST /v1/api_keys agree.
  const instant = parseInstant(raw.trim());
  if (instant === undefined) throw new Error(`--expires must be ${DATE_RULE} (got "${raw}")`);
  if (Date.parse(instant) <= Date.now())
    throw new Error(`--expires must be in the future (got "${raw}", which is ${instant})`);
  return instant;
}

/** Columns padded to their widest cell, under a header row. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Runs `fn` on the configured database, migrated first unless `fn` is the migration itself. */
async function withDatabase<T>(
  fn: (db: ReturnType<typeof openDatabase>['db']) => Promise<T>,
  { migrate = true } = {},
): Promise<T> {
  const config = loadConfig();
  const database = openDatabase(config.databaseUrl);
  try {
    if (migrate) await migrateToLatest(database.db);
    return await fn(database.db);
  } finally {
    await database.close();
  }
}

async function keysCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(HELP.keys);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'create') {
    const parsed = parseCommand('keys create', rest, {
      scopes: { type: 'string' },
      name: { type: 'string' },
      expires: { type: 'string' },
    });
    if (!parsed) return 0;
    const values = parsed.values as { scopes?: string; name?: string; expires?: string };
    if (!values.scopes)
      throw new Error('keys create needs --scopes, e.g. --scopes "orders:read,orders:write" or --scopes "*"');
    const scopes = values.scopes
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const expiresAt = parseExpires(values.expires);
    const { apiKey, secret } = await withDatabase((db) =>
      createApiKey(db, { name: values.name, scopes, expires_at: expiresAt }),
    );
    console.log(
      `Created ${apiKey.id} with scopes ${apiKey.scopes.join(', ')}${apiKey.expires_at ? `, expiring ${apiKey.expires_at}` : ''}.`,
    );
    console.log(`Secret (shown only now): ${secret}`);
    return 0;
  }
  if (sub === 'list') {
    if (!parseCommand('keys list', rest)) return 0;
    const page = await withDatabase((db) => listApiKeys(db, { limit: 100, sort: '-created_at' }));
    if (page.data.length === 0) {
      console.log('No API keys.');
      return 0;
    }
    console.log(
      table(
        ['ID', 'STATUS', 'PREFIX', 'SCOPES', 'NAME', 'EXPIRES'],
        page.data.map((k) => [
          k.id,
          k.status,
          `${k.key_prefix}...`,
          k.scopes.join(','),
          k.name ?? '',
          k.expires_at ?? '',
        ]),
      ),
    );
    return 0;
  }
  if (sub === 'revoke') {
    const parsed = parseCommand('keys revoke', rest);
    if (!parsed) return 0;
    const id = parsed.positionals[0];
    if (!id) throw new Error('keys revoke needs the key id (see keys list)');
    const { before, after } = await withDatabase(async (db) => ({
      before: await getApiKey(db, id),
      after: await revokeApiKey(db, id),
    }));
    if (before.status === 'revoked')
      console.log(`${id} was already revoked (at ${before.revoked_at}); nothing changed.`);
    else console.log(`Revoked ${after.id}.`);
    return 0;
  }
  throw new Error(`Unknown keys command "${sub}".\n\n${HELP.keys}`);
}

/**
 * V8 lets the old generation grow to several times what is alive before it collects (under `npm
 * run bench` the heap reached 115-185 MB with 40-55 MB alive, and peak RSS 200-250 MB); growing
 * by at most 20% past what a full collection leaves kept the peak near 130-160 MB, with throughput
 * unchanged within the bench's noise. A --heap-growing-percent given to node wins.
 */
function limitHeapGrowth(): void {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => /heap[-_]growing[-_]percent/.test(a));
  if (!given) setFlagsFromString('--heap-growing-percent=20');
}

/** Commands by name; modules add theirs here (verify, seed). */
export const commands: Record<string, (args: string[]) => Promise<number>> = {
  serve: async (args) => {
    const parsed = parseCommand('serve', args, { workers: { type: 'string', short: 'w' } });
    if (!parsed) return 0;
    limitHeapGrowth();
    const config = loadConfig();
    if (cluster.isWorker) {
      await runWorker(config);
      return -1;
    }
    const workers = parseWorkers((parsed.values as { workers?: string }).workers ?? process.env.WORKERS ?? '1');
    const refusal = workersRefusal(config.databaseUrl, workers);
    if (refusal) {
      console.error(`opsline serve: ${refusal}`);
      return 2;
    }
    if (workers > 1) {
      await runPrimary(config, workers);
      return -1;
    }
    const app = await startServer(config);
    // Stop taking connections, let requests in flight finish, then close the database.
    const stop = () =>
      void app.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    return -1; // keep running
  },
  migrate: async (args) => {
    if (!parseCommand('migrate', args)) return 0;
    const applied = await withDatabase((db) => migrateToLatest(db), { migrate: false });
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
    return 0;
  },
  keys: keysCommand,
  verify: async (args) => {
    if (!parseCommand('verify', args)) return 0;
    // Read-only: it checks the schema it finds rather than migrating it.
    const report = await withDatabase(
      async (db) => {
        const tables = await db.introspection.getTables();
        if (!tables.some((t) => t.name === 'inventory_items'))
          throw new Error(
            'this database has no Opsline tables yet: run `opsline migrate` (or start the server) first.',
          );
        return verifyInventory(db);
      },
      { migrate: false },
    );
    console.log(formatVerifyReport(report));
    return report.ok ? 0 : 1;
  },
  help: async (args) => {
    console.log(HELP[args.join(' ')] ?? USAGE);
    return 0;
  },
};

async function main(argv: string[]): Promise<void> {
  // No command prints the help: starting a server is always asked for (`opsline serve`, `npm start`).
  const [name = 'help', ...args] = argv;
  const command = commands[name === '--help' || name === '-h' ? 'help' : name];
  if (!command) {
    console.error(`Unknown command "${name}".\n\n${USAGE}`);
    process.exit(2);
  }
  try {
    const code = await command(args);
    if (code >= 0) process.exit(code);
  } catch (err) {
    console.error(`opsline ${name}: ${(err as Error).message}`);
    process.exit(1);
  }
}

await main(process.argv.slice(2));
