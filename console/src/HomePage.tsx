/**
 * "What needs attention": counts of the lists people act on, each a link to the filtered list. An
 * entry appears only when its resource and filters exist in the API and the key may read it, so
 * resources that land later (invoices, ...) show up by adding a line here.
 */
import { useEffect, useState } from 'react';
import { list, messageOf } from './api.ts';
import { useSession } from './App.tsx';
import { BASE, Link } from './router.tsx';

interface Attention {
  title: string;
  resource: string;
  query: Record<string, string>;
  tone: 'warn' | 'bad' | 'info';
  hint: string;
}

const ATTENTION: Attention[] = [
  {
    title: 'Orders on hold',
    resource: 'orders',
    query: { status: 'on_hold' },
    tone: 'warn',
    hint: 'Waiting for someone to release them',
  },
  {
    title: 'Orders to ship',
    resource: 'orders',
    query: { status_in: 'processing,partially_shipped' },
    tone: 'info',
    hint: 'Paid, not fully shipped yet',
  },
  {
    title: 'Low stock items',
    resource: 'inventory_items',
    query: { low_stock: 'true' },
    tone: 'warn',
    hint: 'Available at or below the reorder point',
  },
  {
    title: 'Out of stock items',
    resource: 'inventory_items',
    query: { on_hand_lte: '0' },
    tone: 'bad',
    hint: 'Nothing on hand',
  },
  {
    title: 'Open returns',
    resource: 'returns',
    query: { status_in: 'requested,approved,received,inspected' },
    tone: 'info',
    hint: 'Requested, on their way or being inspected',
  },
  {
    title: 'Open cases',
    resource: 'cases',
    query: { status_in: 'new,in_progress,pending_customer' },
    tone: 'info',
    hint: 'Customer cases not resolved',
  },
  {
    title: 'Urgent cases',
    resource: 'cases',
    query: { priority: 'urgent', status_in: 'new,in_progress,pending_customer' },
    tone: 'bad',
    hint: 'Open and marked urgent',
  },
  {
    title: 'Overdue wholesale invoices',
    resource: 'wholesale_orders',
    query: { financial_status: 'overdue' },
    tone: 'bad',
    hint: 'Invoiced on terms, past their due date',
  },
  {
    title: 'Overdue invoices',
    resource: 'invoices',
    query: { status: 'overdue' },
    tone: 'bad',
    hint: 'Past their due date',
  },
  {
    title: 'Purchase orders to receive',
    resource: 'purchase_orders',
    query: { status_in: 'approved,partially_received' },
    tone: 'info',
    hint: 'Approved, goods not all in yet',
  },
  {
    title: 'Warranty claims open',
    resource: 'warranties',
    query: { status_in: 'submitted,inspecting,approved,in_repair' },
    tone: 'info',
    hint: 'Claims waiting on a decision or a repair',
  },
  {
    title: 'Failed webhook deliveries',
    resource: 'webhook_deliveries',
    query: { status: 'failed' },
    tone: 'bad',
    hint: 'Endpoints that did not accept events',
  },
];

function AttentionCard({ item }: { item: Attention }) {
  const session = useSession();
  const resource = session.resource(item.resource)!;
  const [count, setCount] = useState<number | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    list(resource.listPath, { ...item.query, limit: 1 }).then(
      (page) => setCount(page.total_count),
      (err) => setError(messageOf(err)),
    );
  }, [resource.listPath, item]);
  const to = `${BASE}/${item.resource}?${new URLSearchParams(item.query)}`;
  return (
    <Link to={to} className={`attention tone-${item.tone}${count === 0 ? ' calm' : ''}`}>
      <span className="attention-count" data-testid={`count-${item.title}`}>
        {error ? '!' : count === undefined ? '…' : count.toLocaleString()}
      </span>
      <span className="attention-title">{item.title}</span>
      <span className="attention-hint">{error ?? item.hint}</span>
    </Link>
  );
}

export function HomePage() {
  const session = useSession();
  const shown = ATTENTION.filter((item) => {
    const resource = session.resource(item.resource);
    if (!resource || !session.can(resource.listScope)) return false;
    return Object.entries(item.query).every(([name, value]) => {
      const filter = resource.filters.find((f) => f.name === name);
      return filter && (!filter.options || value.split(',').every((v) => filter.options!.includes(v)));
    });
  });
  return (
    <div>
      <div className="page-head">
        <h1>What needs attention</h1>
      </div>
      {shown.length === 0 ? (
        <div className="card muted">This key cannot read any of the lists the home page summarises.</div>
      ) : (
        <div className="attention-grid">
          {shown.map((item) => (
            <AttentionCard key={item.title} item={item} />
          ))}
        </div>
      )}
    </div>
  );
}
