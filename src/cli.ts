import { parseArgs } from 'node:util';
import { loadConfig } from './config.js';
import { openDatabase } from './db/connection.js';
import { migrateToLatest } from './db/migrator.js';
import { startServer } from './main.js';
import { createApiKey, listApiKeys, revokeApiKey } from './modules/api-keys/service.js';
import { formatVerifyReport, verifyInventory } from './modules/inventory/verify.js';

const USAGE = `Usage: opsline <command>

  serve                                   migrate, then start the API server (default)
  migrate                                 apply database migrations and exit
  keys create --scopes a,b [--name N] [--expires 2027-01-01T00:00:00Z]
                                          create an API key and print its secret once
                                          (scopes: <resource>:read|write|*, admin or *)
  keys list                               list API keys (never their secrets)
  keys revoke <id>                        revoke an API key
  verify                                  check every inventory item against its ledger;
                                          exits 1 when any has drifted

Configuration comes from the environment (DATABASE_URL, PORT, HOST, ...): see README.md.`;

/** Runs `fn` on the configured database, migrated first unless `fn` is the migration itself. */
async function withDatabase<T>(fn: (db: ReturnType<typeof openDatabase>['db']) => Promise<T>, { migrate = true } = {}): Promise<T> {
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
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { scopes: { type: 'string' }, name: { type: 'string' }, expires: { type: 'string' } },
  });
  if (sub === 'create') {
    if (!values.scopes) throw new Error('keys create needs --scopes, e.g. --scopes "orders:read,orders:write" or --scopes "*"');
    const scopes = values.scopes.split(',').map((s) => s.trim()).filter(Boolean);
    const { apiKey, secret } = await withDatabase((db) => createApiKey(db, { name: values.name, scopes, expires_at: values.expires }));
    console.log(`Created ${apiKey.id} with scopes ${apiKey.scopes.join(', ')}${apiKey.expires_at ? `, expiring ${apiKey.expires_at}` : ''}.`);
    console.log(`Secret (shown only now): ${secret}`);
    return 0;
  }
  if (sub === 'list') {
    const page = await withDatabase((db) => listApiKeys(db, { limit: 100, sort: '-created_at' }));
    for (const k of page.data) {
      console.log([k.id, k.status.padEnd(7), `${k.key_prefix}...`, k.scopes.join(','), k.name ?? '', k.expires_at ? `expires ${k.expires_at}` : ''].join('  '));
    }
    if (page.data.length === 0) console.log('No API keys.');
    return 0;
  }
  if (sub === 'revoke') {
    const id = positionals[0];
    if (!id) throw new Error('keys revoke needs the key id (see keys list)');
    const key = await withDatabase((db) => revokeApiKey(db, id));
    console.log(`Revoked ${key.id}.`);
    return 0;
  }
  throw new Error(`Unknown keys command "${sub ?? ''}".\n\n${USAGE}`);
}

/** Commands by name; modules add theirs here (verify, seed). */
export const commands: Record<string, (args: string[]) => Promise<number>> = {
  serve: async () => {
    const app = await startServer(loadConfig());
    // Stop taking connections, let requests in flight finish, then close the database.
    const stop = () => void app.close().then(() => process.exit(0), () => process.exit(1));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    return -1; // keep running
  },
  migrate: async () => {
    const applied = await withDatabase((db) => migrateToLatest(db), { migrate: false });
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
    return 0;
  },
  keys: keysCommand,
  verify: async () => {
    // Read-only: it checks the schema it finds rather than migrating it.
    const report = await withDatabase(async (db) => {
      const tables = await db.introspection.getTables();
      if (!tables.some((t) => t.name === 'inventory_items')) throw new Error('this database has no Opsline tables yet: run `opsline migrate` (or start the server) first.');
      return verifyInventory(db);
    }, { migrate: false });
    console.log(formatVerifyReport(report));
    return report.ok ? 0 : 1;
  },
  help: async () => {
    console.log(USAGE);
    return 0;
  },
};

async function main(argv: string[]): Promise<void> {
  const [name = 'serve', ...args] = argv;
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
