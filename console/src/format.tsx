/** How values look: money from cents, dates, status badges, ids. */
import type { ReactNode } from 'react';
import type { Row } from './api.ts';

const MONEY = /(^|_)(total|subtotal|amount|price|cost|tax|shipping|discount|paid|refunded|balance_due|value)(_|$)/;

export function isMoneyField(name: string, value: unknown): boolean {
  return (
    typeof value === 'number' && Number.isInteger(value) && MONEY.test(name) && !/rate|percent|quantity/.test(name)
  );
}

export function money(cents: number, currency = 'USD'): string {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency}`;
  }
}

const DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

export function dateTime(value: string): string {
  const date = new Date(value);
  return Number.isNaN(date.getTime())
    ? value
    : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

const TONES: Record<string, string> = {
  on_hold: 'warn',
  pending: 'neutral',
  requested: 'neutral',
  new: 'neutral',
  draft: 'neutral',
  processing: 'info',
  approved: 'info',
  in_progress: 'info',
  submitted: 'info',
  partially_shipped: 'info',
  received: 'info',
  active: 'good',
  shipped: 'good',
  delivered: 'good',
  completed: 'good',
  paid: 'good',
  resolved: 'good',
  closed: 'muted',
  cancelled: 'muted',
  merged: 'muted',
  revoked: 'muted',
  expired: 'muted',
  rejected: 'bad',
  failed: 'bad',
  unpaid: 'warn',
  urgent: 'bad',
  high: 'warn',
};

export function humanize(value: string): string {
  const words = value.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function Badge({ value }: { value: string }) {
  return <span className={`badge tone-${TONES[value] ?? 'neutral'}`}>{humanize(value)}</span>;
}

export function isStatusField(name: string): boolean {
  return name === 'status' || name.endsWith('_status') || name === 'priority';
}

/** One value of a record, shown for people: badges for statuses, money, dates, short JSON. */
export function Value({ name, value, row }: { name: string; value: unknown; row?: Row }): ReactNode {
  if (value === null || value === undefined || value === '') return <span className="muted">—</span>;
  if (typeof value === 'string' && isStatusField(name)) return <Badge value={value} />;
  if (isMoneyField(name, value)) return <span className="num">{money(value as number, currencyOf(row))}</span>;
  if (typeof value === 'number') return <span className="num">{value.toLocaleString()}</span>;
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'string' && DATE.test(value)) return <span title={value}>{dateTime(value)}</span>;
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v !== 'object' || v === null))
      return value.length ? value.join(', ') : <span className="muted">—</span>;
    return <span className="muted">{value.length} item(s)</span>;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== null && v !== '');
    if (!entries.length) return <span className="muted">—</span>;
    return (
      <span className="inline-object">
        {entries.map(([k, v]) => (
          <span key={k}>
            <span className="muted">{k.replace(/_/g, ' ')}:</span>{' '}
            {typeof v === 'object' ? JSON.stringify(v) : String(v)}
          </span>
        ))}
      </span>
    );
  }
  return String(value);
}

export function currencyOf(row?: Row): string {
  const currency = row?.currency;
  return typeof currency === 'string' && currency.length === 3 ? currency.toUpperCase() : 'USD';
}

/** The name people know a record by: its number, SKU, RMA, code, name or email; else its id. */
export function labelOf(row: Row): string {
  for (const key of Object.keys(row))
    if (key.endsWith('_number') && typeof row[key] === 'string') return row[key] as string;
  for (const key of ['rma', 'sku', 'code', 'name', 'email', 'title', 'subject', 'url', 'type']) {
    const value = row[key];
    if (typeof value === 'string' && value) return value;
  }
  return String(row.id ?? '');
}

/** Low stock: at or below the reorder point (out of stock at 0 available). */
export function stockLevel(row: Row): 'out' | 'low' | undefined {
  const available = typeof row.available === 'number' ? row.available : undefined;
  const reorderPoint = typeof row.reorder_point === 'number' ? row.reorder_point : undefined;
  if (available === undefined) return undefined;
  if (available <= 0) return 'out';
  if (reorderPoint !== undefined && available <= reorderPoint) return 'low';
  return undefined;
}
