import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getTestContext, unique } from './helpers.js';

describe('customers', () => {
  it('creates a customer with camelCase aliases and lists it by tag', async () => {
    const t = await getTestContext();
    const email = `${unique('ann')}@Example.com`;
    const created = await t.api('POST', '/v1/customers', { email, firstName: 'Ann', tags: ['VIP'] });
    assert.equal(created.status, 201);
    assert.equal(created.body.first_name, 'Ann');
    assert.match(created.body.id, /^cus_/);
  });
});
