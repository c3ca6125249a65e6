/**
 * What the console knows about the API, read at run time from /openapi.json: every `GET /v1/<name>`
 * list is a resource with its filters, detail page, sub-lists, create form and actions. A resource
 * added to the API later appears here without console code.
 */
import { scopeGrants } from '../../src/platform/scopes.ts';

export type Schema = {
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, Schema>;
  items?: Schema;
  required?: string[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  $ref?: string;
  description?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  default?: unknown;
  example?: unknown;
};

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
}

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema; example?: unknown }> };
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
  'x-required-scope'?: string;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

export interface Filter {
  name: string;
  description?: string;
  options?: string[];
  type: string;
}

export interface FormSpec {
  title: string;
  description?: string;
  method: 'post' | 'patch';
  path: string;
  scope?: string;
  schema?: Schema;
  bodyRequired: boolean;
  example?: unknown;
}

export interface Resource {
  name: string;
  title: string;
  group: string;
  listPath: string;
  listScope?: string;
  filters: Filter[];
  sortOptions: string[];
  searchable: boolean;
  itemSchema?: Schema;
  detailPath?: string;
  detailScope?: string;
  eventsPath?: string;
  /** Other `GET /v1/<name>/{id}/<x>` lists: movements, reservations, notes... */
  subLists: { name: string; path: string; scope?: string }[];
  create?: FormSpec;
  update?: FormSpec;
  actions: (FormSpec & { name: string })[];
}

const PAGING = new Set(['limit', 'offset', 'cursor', 'sort', 'search']);

let document: OpenApiDocument | undefined;

export async function loadDocument(): Promise<OpenApiDocument> {
  if (document) return document;
  const response = await fetch('/openapi.json');
  if (!response.ok) throw new Error(`Could not load the API description (/openapi.json answered ${response.status}).`);
  document = (await response.json()) as OpenApiDocument;
  return document;
}

/** Follows `$ref`s and unwraps `X | null` to X; other unions keep their first object-like member. */
export function resolve(schema: Schema | undefined, doc: OpenApiDocument): Schema {
  let current = schema ?? {};
  for (let depth = 0; depth < 10; depth++) {
    if (current.$ref) {
      const name = current.$ref.replace('#/components/schemas/', '');
      current = {
        ...doc.components?.schemas?.[name],
        description: current.description ?? doc.components?.schemas?.[name]?.description,
      };
      continue;
    }
    const union = current.anyOf ?? current.oneOf;
    if (union && !current.properties && !current.type) {
      const options = union.filter((s) => s.type !== 'null');
      const chosen = options.find((s) => s.type === 'object' || s.properties || s.$ref) ?? options[0] ?? {};
      current = { ...chosen, description: chosen.description ?? current.description };
      continue;
    }
    if (Array.isArray(current.type)) {
      const type = current.type.find((t) => t !== 'null');
      current = { ...current, type };
      continue;
    }
    return current;
  }
  return current;
}

export function titleOf(name: string): string {
  const words = name
    .replace(/_/g, ' ')
    .replace(/\bapi\b/gi, 'API')
    .replace(/\bid\b/g, 'ID');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** "inventory_items" -> "inventory item", "bill_of_materials" stays, for "New ..." buttons. */
export function singularOf(name: string): string {
  const words = name.replace(/_/g, ' ').replace(/\bapi\b/gi, 'API');
  if (words.endsWith('ies')) return `${words.slice(0, -3)}y`;
  if (words.endsWith('materials')) return words;
  return words.endsWith('s') ? words.slice(0, -1) : words;
}

/**
 * Sidebar sections: the API's tags mapped onto a few sections people think in. A resource whose tag
 * is not here (one added later) lands in "More".
 */
const SECTIONS: [string, string[]][] = [
  ['Sales', ['orders', 'shipments', 'refunds', 'promotions', 'customers', 'wholesale', 'leads', 'cases']],
  ['After-sales', ['returns', 'return line items', 'warranties', 'warranty']],
  ['Stock', ['inventory', 'locations', 'transfers', 'cycle counts', 'packing']],
  [
    'Supply',
    ['purchasing', 'purchase', 'suppliers', 'manufacturing', 'bill of materials', 'work orders', 'manufacture'],
  ],
  ['Settings', ['api keys', 'webhooks', 'events']],
];

export function sectionOf(tag: string, name: string): string {
  const words = [tag.toLowerCase(), name.replace(/_/g, ' ')];
  for (const [section, keys] of SECTIONS) if (keys.some((k) => words.some((w) => w.startsWith(k)))) return section;
  return 'More';
}

export const SECTION_ORDER = [...SECTIONS.map(([s]) => s), 'More'];

function bodyOf(op: Operation): { schema?: Schema; example?: unknown } {
  return op.requestBody?.content?.['application/json'] ?? {};
}

function formOf(op: Operation, method: 'post' | 'patch', path: string, title: string): FormSpec {
  const body = bodyOf(op);
  return {
    title,
    description: op.description,
    method,
    path,
    scope: op['x-required-scope'],
    schema: body.schema,
    bodyRequired: Boolean(op.requestBody?.required),
    example: body.example,
  };
}

export function resources(doc: OpenApiDocument): Resource[] {
  const found: Resource[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    const match = /^\/v1\/([a-z_]+)$/.exec(path);
    const listOp = ops.get;
    if (!match || !listOp) continue;
    const name = match[1];
    const listSchema = resolve(listOp.responses?.['200']?.content?.['application/json']?.schema, doc);
    if (!listSchema.properties?.data) continue;
    const params = listOp.parameters ?? [];
    const detail = `/v1/${name}/{id}`;
    const resource: Resource = {
      name,
      title: titleOf(name),
      group: sectionOf(listOp.tags?.[0] ?? '', name),
      listPath: path,
      listScope: listOp['x-required-scope'],
      filters: params
        .filter((p) => p.in === 'query' && !PAGING.has(p.name))
        .map((p) => {
          const schema = resolve(p.schema, doc);
          return {
            name: p.name,
            description: p.description,
            type: String(schema.type ?? 'string'),
            options: schema.enum?.map(String),
          };
        }),
      sortOptions: (resolve(params.find((p) => p.name === 'sort')?.schema, doc).enum ?? []).map(String),
      searchable: params.some((p) => p.name === 'search'),
      itemSchema: resolve(resolve(listSchema.properties.data, doc).items, doc),
      detailPath: doc.paths[detail]?.get ? detail : undefined,
      detailScope: doc.paths[detail]?.get?.['x-required-scope'],
      eventsPath: doc.paths[`${detail}/events`]?.get ? `${detail}/events` : undefined,
      subLists: [],
      actions: [],
    };
    if (ops.post) resource.create = formOf(ops.post, 'post', path, `New ${singularOf(name)}`);
    if (doc.paths[detail]?.patch) resource.update = formOf(doc.paths[detail].patch, 'patch', detail, 'Edit');
    for (const [subPath, subOps] of Object.entries(doc.paths)) {
      const sub = /^\/v1\/[a-z_]+\/\{id\}\/([a-z_]+)$/.exec(subPath);
      if (!sub || !subPath.startsWith(`/v1/${name}/{id}/`)) continue;
      if (subOps.post)
        resource.actions.push({ ...formOf(subOps.post, 'post', subPath, titleOf(sub[1])), name: sub[1] });
      if (subOps.get && sub[1] !== 'events') {
        const answer = resolve(subOps.get.responses?.['200']?.content?.['application/json']?.schema, doc);
        if (answer.properties?.data)
          resource.subLists.push({ name: sub[1], path: subPath, scope: subOps.get['x-required-scope'] });
      }
    }
    found.push(resource);
  }
  return found;
}

/** Whether the signed-in key may call an operation needing `scope` (none needed when absent). */
export function allowed(scopes: readonly string[], scope: string | undefined): boolean {
  return !scope || scopeGrants(scopes, scope);
}
