import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

/**
 * The import rules of DESIGN.md ("Module boundaries"), checked from the source:
 *
 * - folders form no cycle: `db`, `platform`, each `modules/<name>` and the application files
 *   around them (`app.ts`, `cli.ts`, `main.ts`, `docs/`, ...) are units, and the imports between
 *   units must be acyclic;
 * - `db/` imports nothing from `platform/`, `modules/` or the application, except the type-only
 *   imports of each module's `tables.ts` that `db/schema.ts` makes the database type from;
 * - `platform/` imports no module and nothing of the application;
 * - a module imports another module only through its `index.ts`.
 *
 * Type-only imports count like any other (a type cycle is still a cycle of knowledge), except the
 * one allowance above. `npm run lint` runs this; test/architecture.test.ts runs it too.
 */

export interface ImportEdge {
  /** Importing file, relative to the source root, with `/` separators (e.g. `modules/orders/service.ts`). */
  from: string;
  /** Imported file, same form. */
  to: string;
  typeOnly: boolean;
}

export interface Violation {
  rule: 'cycle' | 'db-imports-upward' | 'platform-imports-module' | 'private-module-file';
  message: string;
}

/** The unit a file belongs to: `db`, `platform`, `modules/<name>` or `app`. */
export function unitOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] === 'db' || parts[0] === 'platform') return parts[0];
  if (parts[0] === 'modules' && parts.length > 2) return `modules/${parts[1]}`;
  return 'app';
}

function moduleSpecifiers(file: string, text: string): Array<{ specifier: string; typeOnly: boolean }> {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const found: Array<{ specifier: string; typeOnly: boolean }> = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        !!clause &&
        (clause.isTypeOnly ||
          (!clause.name &&
            !!clause.namedBindings &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      found.push({ specifier: node.moduleSpecifier.text, typeOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push({ specifier: node.arguments[0].text, typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every relative import between files under `root`. */
export function readImports(root: string): ImportEdge[] {
  const base = resolve(root);
  return sourceFiles(base).flatMap((path) => {
    const from = relative(base, path).split('\\').join('/');
    return moduleSpecifiers(path, readFileSync(path, 'utf8'))
      .filter((s) => s.specifier.startsWith('.'))
      .map((s) => ({
        from,
        to: relative(base, resolve(dirname(path), s.specifier.replace(/\.js$/, '.ts')))
          .split('\\')
          .join('/'),
        typeOnly: s.typeOnly,
      }));
  });
}

const isTablesOfModule = (file: string) => /^modules\/[^/]+\/tables\.ts$/.test(file);

export function checkImports(edges: ImportEdge[]): Violation[] {
  const violations: Violation[] = [];
  for (const e of edges) {
    const from = unitOf(e.from);
    const to = unitOf(e.to);
    if (from === to) continue;
    if (from === 'db' && to !== 'db') {
      const allowed = e.from === 'db/schema.ts' && e.typeOnly && isTablesOfModule(e.to);
      if (!allowed)
        violations.push({
          rule: 'db-imports-upward',
          message: `${e.from} imports ${e.to}: db/ imports nothing from platform/, modules/ or the application (only db/schema.ts may import the type of a module's tables.ts).`,
        });
    }
    if (from === 'platform' && to !== 'db')
      violations.push({
        rule: 'platform-imports-module',
        message: `${e.from} imports ${e.to}: platform/ imports no module and nothing of the application (pass what it needs in, as registerAuth takes a key store).`,
      });
    if (from.startsWith('modules/') && to.startsWith('modules/') && !e.to.endsWith('/index.ts'))
      violations.push({
        rule: 'private-module-file',
        message: `${e.from} imports ${e.to}: another module is imported only through its index.ts (${to}/index.ts).`,
      });
  }
  violations.push(...unitCycles(edges));
  return violations;
}

/** Cycles in the graph of units; each reported once, as `a -> b -> a` with one file import per step. */
function unitCycles(edges: ImportEdge[]): Violation[] {
  const graph = new Map<string, Map<string, ImportEdge>>();
  for (const e of edges) {
    const from = unitOf(e.from);
    const to = unitOf(e.to);
    if (from === to) continue;
    if (from === 'db' && e.from === 'db/schema.ts' && e.typeOnly && isTablesOfModule(e.to)) continue;
    if (!graph.has(from)) graph.set(from, new Map());
    if (!graph.get(from)!.has(to)) graph.get(from)!.set(to, e);
  }
  // Strongly connected components (Tarjan); each component of more than one unit is a cycle.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let next = 0;
  const connect = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) components.push(component);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) connect(v);

  return components.map((component) => {
    // One concrete path around the cycle, from the first unit by name back to itself.
    const inside = new Set(component);
    const start = [...component].sort()[0];
    const path = [start];
    const seen = new Set([start]);
    const walk = (v: string): boolean => {
      for (const w of [...(graph.get(v)?.keys() ?? [])].sort()) {
        if (!inside.has(w)) continue;
        if (w === start) {
          path.push(w);
          return true;
        }
        if (seen.has(w)) continue;
        seen.add(w);
        path.push(w);
        if (walk(w)) return true;
        path.pop();
      }
      return false;
    };
    walk(start);
    const steps = path.slice(1).map((to, i) => {
      const e = graph.get(path[i])!.get(to)!;
      return `${e.from} -> ${e.to}`;
    });
    return {
      rule: 'cycle' as const,
      message: `Import cycle between folders: ${path.join(' -> ')} (${steps.join('; ')}).`,
    };
  });
}

// `tsx scripts/check-imports.ts [root]`: prints the violations and fails when there are any.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = process.argv[2] ?? 'src';
  const violations = checkImports(readImports(root));
  for (const v of violations) console.error(`${v.rule}: ${v.message}`);
  if (violations.length) {
    console.error(`${violations.length} import rule violation(s) in ${root}.`);
    process.exit(1);
  }
  console.log(`Imports in ${root} follow the module boundaries.`);
}
