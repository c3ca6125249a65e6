/**
 * One record: its fields, line items and other rows as tables, its sub-lists (movements,
 * reservations, notes...), its timeline (/events) and its actions as buttons opening generated
 * forms. Orders add totals and shipments; inventory items add their stock position.
 */
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { call, list, messageOf, type Row } from './api.ts';
import { useSession, type Session } from './App.tsx';
import { ActionForm } from './Form.tsx';
import { Badge, currencyOf, dateTime, isStatusField, labelOf, money, stockLevel, Value } from './format.tsx';
import { Modal } from './Modal.tsx';
import { BASE, Link } from './router.tsx';
import { titleOf, type FormSpec, type Resource } from './spec.ts';

/** `order_id` links to /console/orders/<id> when such a resource exists. */
function related(session: Session, field: string, value: unknown): ReactNode | undefined {
  if (typeof value !== 'string' || !field.endsWith('_id')) return undefined;
  const base = field.slice(0, -3);
  const target = session.resource(`${base}s`) ?? session.resource(base) ?? session.resource(`${base}es`);
  if (!target?.detailPath || !session.can(target.detailScope)) return undefined;
  return (
    <Link to={`${BASE}/${target.name}/${encodeURIComponent(value)}`} className="mono">
      {value}
    </Link>
  );
}

function FieldGrid({ row, omit }: { row: Row; omit: string[] }) {
  const session = useSession();
  const entries = Object.entries(row).filter(
    ([k, v]) =>
      !omit.includes(k) && k !== 'object' && !(Array.isArray(v) && v.some((x) => typeof x === 'object' && x !== null)),
  );
  return (
    <dl className="fields">
      {entries.map(([k, v]) => (
        <div key={k} className={typeof v === 'object' && v !== null && !Array.isArray(v) ? 'wide' : undefined}>
          <dt>{titleOf(k)}</dt>
          <dd>
            {related(session, k, v) ??
              (k === 'id' ? <span className="mono">{String(v)}</span> : <Value name={k} value={v} row={row} />)}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** Rows as a table of their simple fields (ids and bookkeeping fields last or left out). */
export function RowsTable({
  rows,
  currencyRow,
  testId,
  parentId,
}: {
  rows: Row[];
  currencyRow?: Row;
  testId?: string;
  parentId?: unknown;
}) {
  const session = useSession();
  if (rows.length === 0) return <div className="empty">None.</div>;
  // Columns that only repeat the page's own record (inventory_item_id on its movements) are left out.
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter(
    (k) =>
      !['object', 'version', 'metadata', 'updated_at'].includes(k) &&
      rows.some((r) => r[k] !== null && r[k] !== '' && r[k] !== 0 && typeof r[k] !== 'object') &&
      !(parentId !== undefined && k.endsWith('_id') && rows.every((r) => r[k] === parentId)),
  );
  const ordered = [...columns.filter((c) => c !== 'id'), ...(columns.includes('id') ? ['id'] : [])];
  return (
    <div className="table-scroll">
      <table data-testid={testId}>
        <thead>
          <tr>
            {ordered.map((c) => (
              <th key={c}>{titleOf(c)}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={String(row.id ?? i)}>
              {ordered.map((c) => (
                <td key={c}>
                  {related(session, c, row[c]) ??
                    (c === 'id' ? (
                      <span className="mono muted">{String(row[c])}</span>
                    ) : (
                      <Value name={c} value={row[c]} row={currencyRow ?? row} />
                    ))}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="card section">
      <div className="section-head">
        <h2>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

function SubList({
  path,
  id,
  title,
  query,
  refresh,
  currencyRow,
}: {
  path: string;
  id: string;
  title: string;
  query?: Record<string, string>;
  refresh: number;
  currencyRow?: Row;
}) {
  const [rows, setRows] = useState<Row[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    call<{ data: Row[] }>('get', path, { params: { id }, query: { limit: 100, ...query } }).then(
      (page) => setRows(page.data),
      (err) => setError(messageOf(err)),
    );
  }, [path, id, refresh, JSON.stringify(query)]);
  return (
    <Section title={title}>
      {error ? (
        <div className="error-banner">{error}</div>
      ) : rows ? (
        <RowsTable rows={rows} currencyRow={currencyRow} testId={`sub-${title}`} parentId={currencyRow?.id} />
      ) : (
        <div className="empty">Loading…</div>
      )}
    </Section>
  );
}

function Timeline({ path, id, refresh }: { path: string; id: string; refresh: number }) {
  const [events, setEvents] = useState<Row[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    call<{ data: Row[] }>('get', path, { params: { id }, query: { limit: 100 } }).then(
      (page) => setEvents(page.data),
      (err) => setError(messageOf(err)),
    );
  }, [path, id, refresh]);
  return (
    <Section title="Timeline">
      {error && <div className="error-banner">{error}</div>}
      {events && events.length === 0 && <div className="empty">No events yet.</div>}
      <ol className="timeline" data-testid="timeline">
        {events?.map((event) => (
          <li key={String(event.id)}>
            <span className="dot" />
            <span className="event-type">{String(event.type ?? '')}</span>
            <span className="muted">{typeof event.created_at === 'string' ? dateTime(event.created_at) : ''}</span>
          </li>
        ))}
      </ol>
    </Section>
  );
}

function OrderTotals({ order }: { order: Row }) {
  const totals = (order.totals ?? {}) as Record<string, number>;
  const currency = currencyOf(order);
  return (
    <Section title="Totals">
      <table className="totals" data-testid="order-totals">
        <tbody>
          {['subtotal', 'discount', 'tax', 'shipping', 'total', 'paid', 'refunded', 'balance_due']
            .filter((k) => k in totals)
            .map((k) => (
              <tr key={k} className={k === 'total' ? 'grand' : undefined}>
                <th>{titleOf(k)}</th>
                <td className="num">
                  {k === 'discount' && totals[k] ? `−${money(totals[k], currency)}` : money(totals[k], currency)}
                </td>
              </tr>
            ))}
        </tbody>
      </table>
    </Section>
  );
}

function OrderShipments({ order, refresh }: { order: Row; refresh: number }) {
  const session = useSession();
  const shipments = session.resource('shipments');
  if (!shipments || !session.can(shipments.listScope) || !shipments.filters.some((f) => f.name === 'order_id'))
    return null;
  return <ShipmentsOf path={shipments.listPath} orderId={String(order.id)} refresh={refresh} />;
}

function ShipmentsOf({ path, orderId, refresh }: { path: string; orderId: string; refresh: number }) {
  const [rows, setRows] = useState<Row[] | undefined>();
  useEffect(() => {
    list(path, { order_id: orderId, limit: 100 }).then(
      (page) => setRows(page.data),
      () => setRows([]),
    );
  }, [path, orderId, refresh]);
  return (
    <Section title="Shipments">
      {rows ? (
        <RowsTable
          rows={rows.map(({ line_items, order_id, ...rest }) => ({
            ...rest,
            lines: Array.isArray(line_items) ? line_items.length : undefined,
          }))}
          testId="shipments"
        />
      ) : (
        <div className="empty">Loading…</div>
      )}
    </Section>
  );
}

function StockPosition({ item }: { item: Row }) {
  const level = stockLevel(item);
  const figures = [
    'on_hand',
    'reserved',
    'available',
    'incoming',
    'in_transit',
    'reorder_point',
    'safety_stock',
  ].filter((k) => typeof item[k] === 'number');
  return (
    <Section title="Stock position">
      {level && (
        <div className={`stock-alert tone-${level === 'out' ? 'bad' : 'warn'}`}>
          {level === 'out'
            ? 'Out of stock: nothing available.'
            : `Low stock: ${item.available} available, reorder point ${item.reorder_point}.`}
        </div>
      )}
      <div className="figures">
        {figures.map((k) => (
          <div key={k} className={`figure${k === 'available' && level ? ` stock-${level}` : ''}`}>
            <span className="figure-value">{(item[k] as number).toLocaleString()}</span>
            <span className="figure-label">{titleOf(k)}</span>
          </div>
        ))}
      </div>
    </Section>
  );
}

/** Changes of state (one-word verbs: hold, ship, approve) are buttons; edits of the record's parts are under "More". */
function isStateAction(form: FormSpec): boolean {
  const name = form.path.split('/').pop()!;
  return form.method === 'post' && /^[a-z]+$/.test(name) && !name.endsWith('s');
}

function ActionBar({ forms, onOpen }: { forms: FormSpec[]; onOpen: (form: FormSpec) => void }) {
  const [menu, setMenu] = useState(false);
  const main = forms.filter(isStateAction);
  const more = forms.filter((f) => !isStateAction(f));
  return (
    <div className="actions" data-testid="actions">
      {main.map((f) => (
        <button
          key={f.path}
          className={`action${/cancel|reject|obsolete/.test(f.path) ? ' danger' : ''}`}
          onClick={() => onOpen(f)}
        >
          {f.title}
        </button>
      ))}
      {more.length > 0 && (
        <div className="more-actions">
          <button className="secondary" onClick={() => setMenu(!menu)} aria-expanded={menu}>
            More ▾
          </button>
          {menu && (
            <div className="card more-actions-menu" onClick={() => setMenu(false)}>
              {more.map((f) => (
                <button key={f.path + f.method} onClick={() => onOpen(f)}>
                  {f.title}
                </button>
              ))}
            </div>
          )}
        </div>
      )}
    </div>
  );
}

export function DetailPage({ resource, id }: { resource: Resource; id: string }) {
  const session = useSession();
  const [record, setRecord] = useState<Row | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [refresh, setRefresh] = useState(0);
  const [open, setOpen] = useState<FormSpec | undefined>();
  const [notice, setNotice] = useState<string | undefined>();

  const load = useCallback(() => {
    if (!resource.detailPath) return;
    call<Row>('get', resource.detailPath, { params: { id } }).then(setRecord, (err) => setError(messageOf(err)));
  }, [resource.detailPath, id]);
  useEffect(load, [load]);

  if (!resource.detailPath)
    return <div className="card">Records of {resource.title.toLowerCase()} have no page of their own.</div>;
  if (error && !record)
    return (
      <div className="error-banner" role="alert">
        {error}
      </div>
    );
  if (!record) return <div className="loading-page">Loading…</div>;

  const recordId = String(record.id ?? id);
  const forms: FormSpec[] = [
    ...resource.actions.filter((a) => session.can(a.scope)),
    ...(resource.update && session.can(resource.update.scope) ? [resource.update] : []),
  ];
  const hidden = resource.actions.length - resource.actions.filter((a) => session.can(a.scope)).length;
  // The record's statuses as badges, each value once (an order's status and fulfillment often agree).
  const statuses = (
    Object.entries(record).filter(([k, v]) => isStatusField(k) && typeof v === 'string') as [string, string][]
  ).filter(([, v], i, all) => all.findIndex(([, w]) => w === v) === i);
  const rowArrays = Object.entries(record).filter(
    ([, v]) => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'object' && x !== null),
  ) as [string, Row[]][];
  const isOrder = resource.name === 'orders' && typeof record.totals === 'object';
  const isStockItem = typeof record.on_hand === 'number' && typeof record.available === 'number';

  return (
    <div>
      <div className="crumbs">
        <Link to={`${BASE}/${resource.name}`}>{resource.title}</Link> <span className="muted">/</span>
      </div>
      <div className="page-head">
        <h1 data-testid="record-title">{labelOf(record)}</h1>
        {statuses.map(([k, v]) => (
          <span key={k} title={titleOf(k)}>
            <Badge value={v} />
          </span>
        ))}
      </div>
      {forms.length > 0 && (
        <ActionBar
          forms={forms}
          onOpen={(f) => {
            setNotice(undefined);
            setOpen(f);
          }}
        />
      )}
      {hidden > 0 && (
        <p className="muted small-note">{hidden} action(s) hidden: this key’s scopes do not allow them.</p>
      )}
      {notice && (
        <div className="notice" role="status">
          {notice}
        </div>
      )}
      <div className="detail-grid">
        <div className="detail-main">
          {isStockItem && <StockPosition item={record} />}
          {rowArrays.map(([k, rows]) => (
            <Section key={k} title={titleOf(k)}>
              <RowsTable rows={rows} currencyRow={record} testId={`rows-${k}`} parentId={record.id} />
            </Section>
          ))}
          {isOrder && <OrderShipments order={record} refresh={refresh} />}
          {resource.subLists
            .filter((s) => session.can(s.scope))
            .map((s) => (
              <SubList
                key={s.name}
                path={s.path}
                id={recordId}
                title={titleOf(s.name)}
                refresh={refresh}
                currencyRow={record}
              />
            ))}
        </div>
        <div className="detail-side">
          {isOrder && <OrderTotals order={record} />}
          <Section title="Details">
            <FieldGrid row={record} omit={isOrder ? ['totals'] : []} />
          </Section>
          {resource.eventsPath && <Timeline path={resource.eventsPath} id={recordId} refresh={refresh} />}
        </div>
      </div>
      {open && (
        <Modal title={`${open.title} — ${labelOf(record)}`} onClose={() => setOpen(undefined)}>
          <ActionForm
            spec={open}
            doc={session.doc}
            record={record}
            recordId={recordId}
            onCancel={() => setOpen(undefined)}
            onDone={(answer) => {
              setOpen(undefined);
              setNotice(`${open.title}: done.`);
              if (answer && answer.id === record.id) setRecord(answer);
              else load();
              setRefresh((n) => n + 1);
            }}
          />
        </Modal>
      )}
    </div>
  );
}
