import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { dialect, getTestContext, unique } from './helpers.js';
import { newEmail } from './support.js';

// SQLite commits queued transactions together (src/db/sqlite-group-commit.ts).
describe('SQLite group commit', { skip: dialect !== 'sqlite' && 'SQLite only' }, () => {
  it('answers a command only once it is committed: another connection already sees it', async () => {
    const t = await getTestContext();
    const reader = new SQLite(t.databaseUrl.slice('sqlite:'.length), { readonly: true });
    try {
      const seen = await Promise.all(
        Array.from({ length: 24 }, async () => {
          const res = await t.api('POST', '/v1/customers', { email: newEmail('gc') });
          assert.equal(res.status, 201, res.raw);
          // Read at once, from a connection of its own: uncommitted rows would be invisible here.
          return reader.prepare('select count(*) as n from customers where id = ?').get(res.body.id) as { n: number };
        }),
      );
      assert.deepEqual(seen.map((r) => r.n), Array(24).fill(1));
    } finally {
      reader.close();
    }
  });

  it('rolls back a failed command alone; the commands batched with it keep their work', async () => {
    const t = await getTestContext();
    const email = newEmail('dup');
    const tag = unique('gc-');
    const results = await Promise.all([
      t.api('POST', '/v1/customers', { email, tags: [tag] }),
      t.api('POST', '/v1/customers', { email, tags: [tag] }),
      t.api('POST', '/v1/customers', { email: newEmail('gc'), tags: [tag] }),
      t.api('POST', '/v1/customers', { email: newEmail('gc'), tags: [tag] }),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 201, 201, 409]);
    const listed = await t.api('GET', `/v1/customers?tag=${tag}`);
    assert.equal(listed.body.total_count, 3);
    const events = await t.db.selectFrom('events').select('object_id').where('type', '=', 'customer.created')
      .where('object_id', 'in', listed.body.data.map((c: { id: string }) => c.id)).execute();
    assert.equal(events.length, 3, 'one event per created customer, none for the refused one');
  });
});
