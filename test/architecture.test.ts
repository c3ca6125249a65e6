import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkImports, readImports, type ImportEdge } from '../scripts/check-imports.js';

const edge = (from: string, to: string, typeOnly = false): ImportEdge => ({ from, to, typeOnly });

describe('architecture: module boundaries (scripts/check-imports.ts)', () => {
  it('src follows the rules: no cycle between folders, db and platform import no module, modules meet through index.ts', () => {
    const edges = readImports('src');
    assert.ok(edges.length > 100, 'reads the imports of the source');
    assert.deepEqual(
      checkImports(edges).map((v) => v.message),
      [],
    );
  });

  it('fails on each of the shapes the code had before the module surfaces', () => {
    const rules = (edges: ImportEdge[]) => checkImports(edges).map((v) => v.rule);
    // migrations -> platform/db-helpers while platform -> db: a folder cycle and an upward import
    assert.deepEqual(
      rules([
        edge('db/migrations/0003_orders.ts', 'platform/db-helpers.ts'),
        edge('platform/list.ts', 'db/connection.ts'),
      ]).sort(),
      ['cycle', 'db-imports-upward'],
    );
    // platform/auth.ts -> modules/api-keys/service.ts
    assert.ok(rules([edge('platform/auth.ts', 'modules/api-keys/service.ts')]).includes('platform-imports-module'));
    // orders -> returns/service while returns -> orders/tables: private files and a cycle
    const cycle = checkImports([
      edge('modules/orders/fulfillment.ts', 'modules/returns/service.ts'),
      edge('modules/returns/service.ts', 'modules/orders/tables.ts', true),
    ]);
    assert.deepEqual(cycle.map((v) => v.rule).sort(), ['cycle', 'private-module-file', 'private-module-file']);
    assert.match(
      cycle.find((v) => v.rule === 'cycle')!.message,
      /modules\/orders -> modules\/returns -> modules\/orders/,
    );
    // a cycle through index.ts files is still a cycle
    assert.deepEqual(
      rules([edge('modules/a/service.ts', 'modules/b/index.ts'), edge('modules/b/service.ts', 'modules/a/index.ts')]),
      ['cycle'],
    );
  });

  it("allows what the design allows: db/schema.ts importing the type of a module's tables, modules importing index.ts one way", () => {
    assert.deepEqual(
      checkImports([
        edge('db/schema.ts', 'modules/orders/tables.ts', true),
        edge('modules/orders/tables.ts', 'db/connection.ts'),
        edge('modules/returns/service.ts', 'modules/orders/index.ts'),
        edge('modules/orders/service.ts', 'platform/errors.ts'),
        edge('app.ts', 'modules/orders/index.ts'),
      ]),
      [],
    );
    // but not a value import of the tables, nor anything else of a module
    assert.equal(checkImports([edge('db/schema.ts', 'modules/orders/tables.ts')])[0].rule, 'db-imports-upward');
  });
});
