/** A resource's list: its filters (enums as selects), search, sort and cursor paging, and a create form. */
import { useEffect, useState, type FormEvent } from 'react';
import { list, messageOf, type ListEnvelope, type Row } from './api.ts';
import { useSession } from './App.tsx';
import { ActionForm } from './Form.tsx';
import { labelOf, stockLevel, Value } from './format.tsx';
import { Modal } from './Modal.tsx';
import { BASE, navigate } from './router.tsx';
import { resolve, titleOf, type OpenApiDocument, type Resource } from './spec.ts';

const PAGE_SIZE = 50;
const MAX_COLUMNS = 8;

/** The columns worth a glance: the record's name, its statuses, amounts and quantities, when it was made. */
export function columnsOf(resource: Resource, doc: OpenApiDocument): string[] {
  const props = Object.entries(resource.itemSchema?.properties ?? {}).map(([n, s]) => [n, resolve(s, doc)] as const);
  const names = props.map(([n]) => n);
  const label =
    names.find((n) => n.endsWith('_number')) ??
    ['rma', 'sku', 'code', 'name', 'email', 'title', 'subject', 'url'].find((n) => names.includes(n)) ??
    'id';
  const columns = [label];
  const add = (n: string) => columns.length < MAX_COLUMNS && !columns.includes(n) && columns.push(n);
  for (const [n, s] of props)
    if ((n === 'status' || n.endsWith('_status') || n === 'priority') && s.type === 'string') add(n);
  if (names.includes('totals')) add('totals.total');
  const customer = props.find(([n]) => n === 'customer')?.[1];
  if (customer?.properties?.email) add('customer.email');
  for (const [n, s] of props)
    if (
      (s.type === 'integer' || s.type === 'number') &&
      !/^version$|rate|percent/.test(n) &&
      columns.length < MAX_COLUMNS - 1
    )
      add(n);
  for (const [n, s] of props)
    if (
      s.type === 'string' &&
      !/(^id$|^object$|_at$|url|description|secret|notes?$|^customer_id$)/.test(n) &&
      columns.length < MAX_COLUMNS - 1
    )
      add(n);
  if (names.includes('created_at')) add('created_at');
  return columns;
}

/** Amounts align right; columns after the fifth give way on narrow screens (the table scrolls too). */
function columnClass(column: string, index: number): string | undefined {
  const classes = [column.endsWith('total') ? 'num' : '', index >= 5 ? 'col-extra' : ''].filter(Boolean);
  return classes.length ? classes.join(' ') : undefined;
}

function cell(row: Row, column: string): unknown {
  return column.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Row)[k] : undefined), row);
}

export function ListPage({ resource, query }: { resource: Resource; query: URLSearchParams }) {
  const session = useSession();
  const [page, setPage] = useState<ListEnvelope | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [previous, setPrevious] = useState<string[]>([]);
  const [creating, setCreating] = useState(false);
  const [search, setSearch] = useState(query.get('search') ?? '');
  const columns = columnsOf(resource, session.doc);
  const queryText = query.toString();

  useEffect(() => {
    setError(undefined);
    const params: Record<string, string | number> = { limit: PAGE_SIZE };
    query.forEach((v, k) => (params[k] = v));
    list(resource.listPath, params).then(setPage, (err) => {
      setPage(undefined);
      setError(messageOf(err));
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [resource.listPath, queryText]);

  const go = (changes: Record<string, string | undefined>, keepCursor = false) => {
    const next = new URLSearchParams(query);
    for (const [k, v] of Object.entries(changes)) v ? next.set(k, v) : next.delete(k);
    if (!keepCursor) {
      next.delete('cursor');
      setPrevious([]);
    }
    const text = next.toString();
    navigate(`${BASE}/${resource.name}${text ? `?${text}` : ''}`);
  };
  const onSearch = (event: FormEvent) => {
    event.preventDefault();
    go({ search: search.trim() || undefined });
  };

  const enumFilters = resource.filters.filter((f) => f.options && f.options.length > 0);
  const otherFilters = resource.filters.filter((f) => !f.options || f.options.length === 0);
  const activeOther = otherFilters.filter((f) => query.get(f.name));
  const canCreate = resource.create && session.can(resource.create.scope);

  return (
    <div>
      <div className="page-head">
        <h1>{resource.title}</h1>
        {page && (
          <span className="count-pill" data-testid="total-count">
            {page.total_count.toLocaleString()}
          </span>
        )}
        <div className="spacer" />
        {canCreate && (
          <button className="primary" onClick={() => setCreating(true)}>
            {resource.create!.title}
          </button>
        )}
      </div>
      <div className="toolbar">
        {resource.searchable && (
          <form onSubmit={onSearch} className="search">
            <input
              type="search"
              name="search"
              placeholder={`Search ${resource.title.toLowerCase()}…`}
              value={search}
              onChange={(e) => setSearch(e.target.value)}
            />
          </form>
        )}
        {enumFilters.map((f) => (
          <label key={f.name} className="filter">
            <span>{titleOf(f.name)}</span>
            <select
              name={f.name}
              value={query.get(f.name) ?? ''}
              onChange={(e) => go({ [f.name]: e.target.value || undefined })}
            >
              <option value="">Any</option>
              {f.options!.map((o) => (
                <option key={o} value={o}>
                  {o.replace(/_/g, ' ')}
                </option>
              ))}
            </select>
          </label>
        ))}
        {resource.sortOptions.length > 0 && (
          <label className="filter">
            <span>Sort</span>
            <select
              name="sort"
              value={query.get('sort') ?? ''}
              onChange={(e) => go({ sort: e.target.value || undefined })}
            >
              <option value="">Default</option>
              {resource.sortOptions.map((o) => (
                <option key={o} value={o}>
                  {o.startsWith('-') ? `${titleOf(o.slice(1))} ↓` : `${titleOf(o)} ↑`}
                </option>
              ))}
            </select>
          </label>
        )}
        {otherFilters.length > 0 && (
          <MoreFilters resource={resource} query={query} onApply={go} activeCount={activeOther.length} />
        )}
      </div>
      {activeOther.length > 0 && (
        <div className="chips">
          {activeOther.map((f) => (
            <button
              key={f.name}
              className="chip"
              onClick={() => go({ [f.name]: undefined })}
              title="Remove this filter"
            >
              {titleOf(f.name)}: {query.get(f.name)} ✕
            </button>
          ))}
        </div>
      )}
      {error && (
        <div className="error-banner" role="alert">
          {error}
        </div>
      )}
      <div className="card table-card" hidden={Boolean(error)}>
        <table className="list" data-testid="list-table">
          <thead>
            <tr>
              {columns.map((c, i) => (
                <th key={c} className={columnClass(c, i)}>
                  {c === 'totals.total' ? 'Total' : c === 'customer.email' ? 'Customer' : titleOf(c)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {page?.data.map((row) => {
              const level = stockLevel(row);
              return (
                <tr
                  key={String(row.id)}
                  className={`${resource.detailPath ? 'clickable' : ''}${level ? ` stock-${level}` : ''}`}
                  onClick={() =>
                    resource.detailPath && navigate(`${BASE}/${resource.name}/${encodeURIComponent(String(row.id))}`)
                  }
                >
                  {columns.map((c, i) => (
                    <td key={c} className={columnClass(c, i)}>
                      {i === 0 ? (
                        <strong>{labelOf({ [c]: row[c], id: row.id })}</strong>
                      ) : (
                        <Value name={c.split('.').pop()!} value={cell(row, c)} row={row} />
                      )}
                      {i === 0 && level && (
                        <span className={`badge tone-${level === 'out' ? 'bad' : 'warn'} stock-badge`}>
                          {level === 'out' ? 'Out of stock' : 'Low stock'}
                        </span>
                      )}
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
        {page && page.data.length === 0 && (
          <div className="empty">Nothing here{queryText ? ' with these filters' : ' yet'}.</div>
        )}
        {!page && !error && <div className="empty">Loading…</div>}
      </div>
      {page && (
        <div className="pager">
          <span className="muted">
            {page.data.length ? `Showing ${page.data.length} of ${page.total_count.toLocaleString()}` : ''}
          </span>
          <div className="spacer" />
          <button
            className="secondary small"
            disabled={previous.length === 0}
            onClick={() => {
              const back = previous.slice(0, -1);
              const cursor = previous[previous.length - 1];
              setPrevious(back);
              go({ cursor: cursor || undefined }, true);
            }}
          >
            ← Previous
          </button>
          <button
            className="secondary small"
            disabled={!page.has_more || !page.next_cursor}
            onClick={() => {
              setPrevious([...previous, query.get('cursor') ?? '']);
              go({ cursor: page.next_cursor! }, true);
            }}
          >
            Next →
          </button>
        </div>
      )}
      {creating && resource.create && (
        <Modal title={resource.create.title} onClose={() => setCreating(false)}>
          <ActionForm
            spec={resource.create}
            doc={session.doc}
            onCancel={() => setCreating(false)}
            onDone={(created) => {
              setCreating(false);
              if (resource.detailPath && created.id)
                navigate(`${BASE}/${resource.name}/${encodeURIComponent(created.id)}`);
              else go({});
            }}
          />
        </Modal>
      )}
    </div>
  );
}

function MoreFilters({
  resource,
  query,
  onApply,
  activeCount,
}: {
  resource: Resource;
  query: URLSearchParams;
  onApply: (changes: Record<string, string | undefined>) => void;
  activeCount: number;
}) {
  const others = resource.filters.filter((f) => !f.options || f.options.length === 0);
  const [open, setOpen] = useState(false);
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(others.map((f) => [f.name, query.get(f.name) ?? ''])),
  );
  return (
    <div className="more-filters-wrap">
      <button type="button" className="secondary small" onClick={() => setOpen(!open)}>
        Filters{activeCount ? ` (${activeCount})` : ''} ▾
      </button>
      {open && (
        <form
          className="card more-filters"
          onSubmit={(e) => {
            e.preventDefault();
            setOpen(false);
            onApply(Object.fromEntries(others.map((f) => [f.name, values[f.name]?.trim() || undefined])));
          }}
        >
          {others.map((f) => (
            <label key={f.name} className="field compact" title={f.description}>
              <span>{titleOf(f.name)}</span>
              <input
                name={f.name}
                type={f.type === 'integer' || f.type === 'number' ? 'number' : 'text'}
                placeholder={/_after|_before/.test(f.name) ? '2026-05-01' : /_in$/.test(f.name) ? 'a,b,c' : undefined}
                value={values[f.name] ?? ''}
                onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
              />
            </label>
          ))}
          <div className="form-buttons">
            <button type="button" className="secondary small" onClick={() => setValues({})}>
              Clear
            </button>
            <button type="submit" className="primary small">
              Apply
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
