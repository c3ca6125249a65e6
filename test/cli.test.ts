/**
 * The command line, run as a child process against its own temporary SQLite database (whatever
 * database the rest of the suite uses): migrate, keys create, keys list, keys revoke.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { buildApp } from '../src/app.js';
import { openDatabase } from '../src/db/connection.js';
import { defaultAppOptions } from './helpers.js';
import { bare } from './support.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'opsline-cli-'));
const databaseUrl = `sqlite:${join(dir, 'cli.db')}`;
after(() => rmSync(dir, { recursive: true, force: true }));

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', ...args],
      { cwd: repoRoot, env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' }, timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('command line', () => {
  it('serve --workers: more than one refused on SQLite (exit 2, saying why), a bad count refused, --help explains', async () => {
    const sqlite = await cli('serve', '--workers', '2');
    assert.equal(sqlite.code, 2);
    assert.match(sqlite.stderr, /--workers 2 needs PostgreSQL/);
    const bad = await cli('serve', '--workers', 'zero');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--workers must be a number from 1 to 256 or "auto"/);
    const help = await cli('serve', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--workers, -w/);
    assert.match(help.stdout, /DATABASE_POOL_SIZE/);
  });

  it('verify on a database without tables says to migrate first', async () => {
    const result = await cli('verify');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no Opsline tables yet: run `opsline migrate`/);
  });

  it('migrate applies the migrations once, then reports the database up to date', async () => {
    const first = await cli('migrate');
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^Applied: 0001_foundation, /);
    const second = await cli('migrate');
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout.trim(), 'Database is up to date.');
  });

  it('keys create prints a working secret once; keys list never shows it; keys revoke revokes it', async () => {
    const created = await cli('keys', 'create', '--scopes', 'customers:read, events:read', '--name', 'cli test');
    assert.equal(created.code, 0, created.stderr);
    const id = /^Created (key_[0-9a-z]{26}) with scopes customers:read, events:read\.$/m.exec(created.stdout)?.[1];
    const secret = /^Secret \(shown only now\): (sk_\S+)$/m.exec(created.stdout)?.[1];
    assert.ok(id, created.stdout);
    assert.ok(secret, created.stdout);

    const listed = await cli('keys', 'list');
    assert.equal(listed.code, 0, listed.stderr);
    const line = listed.stdout.split('\n').find((l) => l.startsWith(id));
    assert.ok(line, listed.stdout);
    assert.match(line, /\bactive\b/);
    assert.ok(line.includes(`${secret.slice(0, 7)}...`));
    assert.ok(line.includes('customers:read,events:read') && line.includes('cli test'));
    assert.ok(!listed.stdout.includes(secret), 'keys list never prints a secret');
    assert.ok(!listed.stdout.includes(createHash('sha256').update(secret).digest('hex')));

    // The secret works against an app on that database, with exactly its scopes.
    const database = openDatabase(databaseUrl);
    const app = await buildApp(database, defaultAppOptions);
    try {
      const auth = { authorization: `Bearer ${secret}` };
      assert.equal((await bare(app, 'GET', '/v1/customers', auth)).status, 200);
      assert.equal((await bare(app, 'POST', '/v1/customers', auth, { email: 'cli@example.com' })).status, 403);

      const revoked = await cli('keys', 'revoke', id);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.equal(revoked.stdout.trim(), `Revoked ${id}.`);
      const row = await database.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      assert.ok(row.revoked_at, 'revoked_at is set');
      assert.equal((await bare(app, 'GET', '/v1/customers', auth)).status, 401);
    } finally {
      await app.close();
      await database.close();
    }
    const after = await cli('keys', 'list');
    assert.match(after.stdout.split('\n').find((l) => l.startsWith(id)) ?? '', /\brevoked\b/);
  });

  it('with no command prints the help instead of starting a server; --help works on every command', async () => {
    const none = await cli();
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /^Usage: opsline <command>/);
    assert.doesNotMatch(none.stdout + none.stderr, /listening/);
    const helps: Array<[readonly string[], string]> = [];
    for (const [args, first] of [
      [['serve', '--help'], 'Usage: opsline serve'],
      [['migrate', '--help'], 'Usage: opsline migrate'],
      [['verify', '-h'], 'Usage: opsline verify'],
      [['keys', '--help'], 'Usage: opsline keys <create|list|revoke>'],
      [['keys', 'create', '--help'], 'Usage: opsline keys create --scopes'],
      [['keys', 'list', '--help'], 'Usage: opsline keys list'],
      [['keys', 'revoke', '--help'], 'Usage: opsline keys revoke <id>'],
      [['--help'], 'Usage: opsline <command>'],
      [['help', 'keys', 'create'], 'Usage: opsline keys create'],
    ] as const)
      helps.push([args, first]);
    // Each run starts a process: two at a time (one per core), not all at once, which starves them.
    for (let i = 0; i < helps.length; i += 2) {
      await Promise.all(
        helps.slice(i, i + 2).map(async ([args, first]) => {
          const res = await cli(...args);
          assert.equal(res.code, 0, `${args.join(' ')}: ${res.stderr}`);
          assert.ok(res.stdout.startsWith(first), `${args.join(' ')} printed: ${res.stdout}`);
        }),
      );
    }
    const unknownOption = await cli('migrate', '--force');
    assert.equal(unknownOption.code, 1);
    assert.match(unknownOption.stderr, /Unknown option '--force'/);
  });

  it('keys create validates --expires with a clear message; keys list has headers; revoking twice says so', async () => {
    for (const bad of ['tomorrow', '2027-13-45', '01/02/2027']) {
      const res = await cli('keys', 'create', '--scopes', 'orders:read', '--expires', bad);
      assert.equal(res.code, 1, bad);
      assert.ok(
        res.stderr.includes(`--expires must be an RFC 3339 date-time with a timezone`) &&
          res.stderr.includes(`(got "${bad}")`),
        res.stderr,
      );
      assert.equal(res.stdout, '');
    }
    const past = await cli('keys', 'create', '--scopes', 'orders:read', '--expires', '2020-01-01');
    assert.equal(past.code, 1);
    assert.match(past.stderr, /--expires must be in the future \(got "2020-01-01"/);

    const created = await cli(
      'keys',
      'create',
      '--scopes',
      'orders:read',
      '--name',
      'expiring',
      '--expires',
      '2099-01-01',
    );
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /expiring 2099-01-01T00:00:00\.000Z\.$/m);
    const id = /^Created (key_\w+)/m.exec(created.stdout)![1];

    const listed = await cli('keys', 'list');
    const [header, ...rows] = listed.stdout.trimEnd().split('\n');
    assert.match(header, /^ID\s+STATUS\s+PREFIX\s+SCOPES\s+NAME\s+EXPIRES$/);
    const row = rows.find((l) => l.startsWith(id))!;
    assert.match(row, /\bactive\s+sk_\S+\.\.\.\s+orders:read\s+expiring\s+2099-01-01T00:00:00\.000Z$/);
    assert.equal(header.indexOf('STATUS'), row.indexOf('active'), 'columns line up under their headers');

    assert.equal((await cli('keys', 'revoke', id)).stdout.trim(), `Revoked ${id}.`);
    const again = await cli('keys', 'revoke', id);
    assert.equal(again.code, 0, again.stderr);
    assert.match(
      again.stdout,
      new RegExp(`^${id} was already revoked \\(at \\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z\\); nothing changed\\.$`, 'm'),
    );
    const missing = await cli('keys', 'revoke', 'key_doesnotexist');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /key_doesnotexist/);
  });

  it('keys create refuses a missing or malformed scope list with exit code 1', async () => {
    const missing = await cli('keys', 'create');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /needs --scopes/);
    const bad = await cli('keys', 'create', '--scopes', 'everything');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Unknown scope: everything\. Valid scopes: \*, admin, .*\bcustomers:read, /);
    assert.equal(bad.stdout, '');
    // A typo of a real scope is refused the same way, and nothing is created.
    const typo = await cli('keys', 'create', '--scopes', 'orders:read,order:read');
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /^opsline keys: Unknown scope: order:read\. Valid scopes: .*\borders:read\b/);
    assert.equal(typo.stdout, '');
  });

  it('keys create refuses an expiry that is not a strict date in 1970..9999', async () => {
    for (const expires of ['1', '+010000-01-01T00:00:00Z']) {
      const bad = await cli('keys', 'create', '--scopes', 'orders:read', '--expires', expires);
      assert.equal(bad.code, 1, expires);
      assert.match(
        bad.stderr,
        /--expires must be an RFC 3339 date-time with a timezone .* in the years 1970 to 9999 \(got /,
        expires,
      );
      assert.equal(bad.stdout, '');
    }
    const good = await cli('keys', 'create', '--scopes', 'orders:read', '--expires', '2099-06-01T12:00:00+02:00');
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /expiring 2099-06-01T10:00:00\.000Z\./);
  });
});
