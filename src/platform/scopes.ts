/**
 * The permission language of API keys: which scopes exist and what each grants. Routes declare the
 * scope they need (`config.scope`); registerAuth checks it against the key.
 */

/**
 * The resources scopes name, one per group of routes (a route's `config.scope`; registerAuth
 * refuses to start with a route whose scope is not in VALID_SCOPES, so this list stays true). A new
 * resource adds its name here.
 */
export const SCOPE_RESOURCES = [
  'bill_of_materials',
  'cases',
  'customers',
  'cycle_counts',
  'events',
  'inventory',
  'leads',
  'locations',
  'manufacture_orders',
  'orders',
  'packing_lists',
  'planning',
  'promotions',
  'purchase_orders',
  'refunds',
  'returns',
  'shipments',
  'work_orders',
  'suppliers',
  'warranties',
  'wholesale_orders',
  'webhooks',
] as const;

/** Every scope a key may hold: `<resource>:read`, `<resource>:write`, `<resource>:*`, `admin` or `*`. */
export const VALID_SCOPES: readonly string[] = [
  '*',
  'admin',
  ...SCOPE_RESOURCES.flatMap((r) => [`${r}:read`, `${r}:write`, `${r}:*`]),
];

/**
 * Whether holding `held` covers everything `scope` would grant: `x:*` is covered by `x:read` and
 * `x:write` together (write covers read), `admin` by `admin`, `*` only by `*`.
 */
export function scopeCovers(held: readonly string[], scope: string): boolean {
  if (scope.endsWith(':*')) {
    const resource = scope.slice(0, -2);
    return scopeGrants(held, `${resource}:read`) && scopeGrants(held, `${resource}:write`);
  }
  return scopeGrants(held, scope);
}

/** Resources an `admin` key manages as well as API keys (webhook endpoints hold secrets too). */
export const ADMIN_RESOURCES: readonly string[] = ['webhooks'];

/** `*` grants everything; `x:*` and `x:write` also grant `x:read`; `admin` grants ADMIN_RESOURCES. */
export function scopeGrants(granted: readonly string[], required: string): boolean {
  if (granted.includes('*') || granted.includes(required)) return true;
  const [resource, access] = required.split(':');
  if (!access) return false;
  if (granted.includes('admin') && ADMIN_RESOURCES.includes(resource)) return true;
  return granted.includes(`${resource}:*`) || (access === 'read' && granted.includes(`${resource}:write`));
}
