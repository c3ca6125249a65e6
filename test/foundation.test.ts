import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getTestContext } from './helpers.js';

describe('health', () => {
  it('answers without a key', async () => {
    const t = await getTestContext();
    const res = await t.api('GET', '/health', undefined, { authorization: '' });
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'ok');
  });
});
