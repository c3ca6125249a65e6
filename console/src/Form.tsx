/**
 * A form generated from an operation's request body schema: strings, numbers, booleans, enums,
 * nested objects, arrays of values and arrays of objects (rows, or a line picker when the record
 * has line items). On failure the API's message is shown, and beside the field its `param` names.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { call, messageOf, OpslineError, type Row } from './api.ts';
import { Value } from './format.tsx';
import { resolve, titleOf, type FormSpec, type OpenApiDocument, type Schema } from './spec.ts';

type Raw = Record<string, unknown>;

function fieldsOf(schema: Schema, doc: OpenApiDocument): [string, Schema, boolean][] {
  const resolved = resolve(schema, doc);
  const required = new Set(resolved.required ?? []);
  return Object.entries(resolved.properties ?? {})
    .map(([name, s]) => [name, resolve(s, doc), required.has(name)] as [string, Schema, boolean])
    .filter(([, s]) => !/^Alias of/i.test(s.description ?? '') && !/^Deprecated/i.test(s.description ?? ''));
}

function isObjectSchema(s: Schema): boolean {
  return s.type === 'object' || Boolean(s.properties);
}

/** The JSON body for the raw form state, leaving out what was not filled in. */
export function toBody(schema: Schema, raw: unknown, doc: OpenApiDocument): unknown {
  const s = resolve(schema, doc);
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (s.type === 'integer' || s.type === 'number') {
    const n = Number(raw);
    return Number.isFinite(n) ? n : raw;
  }
  if (s.type === 'boolean') return raw === 'true' || raw === true;
  if (s.type === 'array') {
    const item = resolve(s.items, doc);
    if (isObjectSchema(item)) {
      const rows = (raw as Raw[]).map((r) => toBody(item, r, doc)).filter((r) => r !== undefined);
      return rows.length ? rows : undefined;
    }
    const values = String(raw)
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean)
      .map((v) => toBody(item, v, doc));
    return values.length ? values : undefined;
  }
  if (isObjectSchema(s)) {
    if (!s.properties) {
      if (typeof raw !== 'string') return raw;
      try {
        return JSON.parse(raw);
      } catch {
        return raw;
      }
    }
    const out: Raw = {};
    for (const [name, field] of Object.entries(s.properties)) {
      const value = toBody(field, (raw as Raw)[name], doc);
      if (value !== undefined) out[name] = value;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return raw;
}

interface FieldProps {
  name: string;
  label?: string;
  schema: Schema;
  required: boolean;
  value: unknown;
  onChange: (value: unknown) => void;
  doc: OpenApiDocument;
  record?: Row;
  error?: string;
}

function Input({ name, schema, value, onChange, required }: Omit<FieldProps, 'doc'>) {
  const id = `f-${name}`;
  if (schema.enum)
    return (
      <select id={id} name={name} value={String(value ?? '')} onChange={(e) => onChange(e.target.value)}>
        <option value="">{required ? 'Choose…' : '—'}</option>
        {schema.enum.map((v) => (
          <option key={String(v)} value={String(v)}>
            {String(v).replace(/_/g, ' ')}
          </option>
        ))}
      </select>
    );
  if (schema.type === 'boolean')
    return (
      <select id={id} name={name} value={String(value ?? '')} onChange={(e) => onChange(e.target.value)}>
        <option value="">—</option>
        <option value="true">Yes</option>
        <option value="false">No</option>
      </select>
    );
  const numeric = schema.type === 'integer' || schema.type === 'number';
  const long = !numeric && /note|description|reason|message|body|comment/.test(name);
  if (long)
    return (
      <textarea id={id} name={name} rows={2} value={String(value ?? '')} onChange={(e) => onChange(e.target.value)} />
    );
  return (
    <input
      id={id}
      name={name}
      type={numeric ? 'number' : 'text'}
      step={schema.type === 'number' ? 'any' : undefined}
      value={String(value ?? '')}
      placeholder={schema.format === 'date-time' || /_at$|date/.test(name) ? '2026-05-01' : undefined}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}

/** Rows of an array of objects; a line picker when the rows name the record's line items. */
function RowsField({ name, schema, value, onChange, doc, record }: FieldProps) {
  const item = resolve(schema.items, doc);
  const columns = fieldsOf(item, doc).filter(([, s]) => !isObjectSchema(s) && s.type !== 'array');
  const rows = (value as Raw[] | undefined) ?? [];
  const recordLines = Array.isArray(record?.line_items) ? (record!.line_items as Row[]) : undefined;
  if (recordLines && item.properties?.id && item.properties?.quantity) {
    const byId = new Map(rows.map((r) => [String(r.id), r]));
    const setQuantity = (id: string, quantity: string) => {
      const next = recordLines
        .map((line) => String(line.id))
        .map((lineId) => (lineId === id ? { id: lineId, quantity } : byId.get(lineId)))
        .filter((r): r is Raw => Boolean(r && r.quantity !== ''));
      onChange(next);
    };
    return (
      <div className="line-picker">
        <table>
          <thead>
            <tr>
              <th>Line</th>
              <th className="num">Ordered</th>
              {'quantity_shipped' in (recordLines[0] ?? {}) && <th className="num">Shipped</th>}
              <th className="num">Quantity</th>
            </tr>
          </thead>
          <tbody>
            {recordLines.map((line) => (
              <tr key={String(line.id)}>
                <td>
                  <strong>{String(line.sku ?? line.id)}</strong>{' '}
                  <span className="muted">{String(line.name ?? '')}</span>
                </td>
                <td className="num">{String(line.quantity ?? '')}</td>
                {'quantity_shipped' in line && <td className="num">{String(line.quantity_shipped)}</td>}
                <td className="num">
                  <input
                    type="number"
                    min={0}
                    aria-label={`${name} quantity for ${String(line.sku ?? line.id)}`}
                    value={String(byId.get(String(line.id))?.quantity ?? '')}
                    onChange={(e) => setQuantity(String(line.id), e.target.value)}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="hint">
          Enter a quantity for each line to include; leave all blank for the default (
          {item.properties.id ? 'every line' : ''}).
        </p>
      </div>
    );
  }
  const update = (index: number, field: string, v: unknown) =>
    onChange(rows.map((r, i) => (i === index ? { ...r, [field]: v } : r)));
  return (
    <div className="rows">
      {rows.length > 0 && (
        <table>
          <thead>
            <tr>
              {columns.map(([c, , req]) => (
                <th key={c}>
                  {titleOf(c)}
                  {req && <span className="req">*</span>}
                </th>
              ))}
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((row, index) => (
              <tr key={index}>
                {columns.map(([c, s, req]) => (
                  <td key={c}>
                    <Input
                      name={`${name}.${index}.${c}`}
                      schema={s}
                      required={req}
                      value={row[c]}
                      onChange={(v) => update(index, c, v)}
                    />
                  </td>
                ))}
                <td>
                  <button
                    type="button"
                    className="link"
                    onClick={() => onChange(rows.filter((_, i) => i !== index))}
                    aria-label="Remove row"
                  >
                    ✕
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <button type="button" className="secondary small" onClick={() => onChange([...rows, {}])}>
        + Add {titleOf(name).replace(/s$/, '').toLowerCase()}
      </button>
    </div>
  );
}

function Field(props: FieldProps) {
  const { name, schema, required, error, doc } = props;
  let control: ReactNode;
  if (schema.type === 'array' && isObjectSchema(resolve(schema.items, doc))) control = <RowsField {...props} />;
  else if (isObjectSchema(schema) && schema.properties) {
    const raw = (props.value as Raw | undefined) ?? {};
    control = (
      <div className="subfields">
        {fieldsOf(schema, doc)
          .filter(([, s]) => !isObjectSchema(s))
          .map(([sub, s, req]) => (
            <label key={sub} className="field compact">
              <span>{titleOf(sub)}</span>
              <Input
                name={`${name}.${sub}`}
                schema={s}
                required={req}
                value={raw[sub]}
                onChange={(v) => props.onChange({ ...raw, [sub]: v })}
              />
            </label>
          ))}
      </div>
    );
  } else if (isObjectSchema(schema))
    control = (
      <textarea
        name={name}
        rows={2}
        placeholder='{"key": "value"}'
        value={String(props.value ?? '')}
        onChange={(e) => props.onChange(e.target.value)}
      />
    );
  else control = <Input {...props} />;
  return (
    <div className={`field${error ? ' has-error' : ''}`} data-field={name}>
      <label htmlFor={`f-${name}`}>
        {props.label ?? titleOf(name)}
        {required && <span className="req">*</span>}
      </label>
      {control}
      {schema.description && !error && <p className="hint">{schema.description}</p>}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** The initial state: one empty row for line items (or any required rows), so the form shows what to fill. */
function initialState(schema: Schema, doc: OpenApiDocument, record?: Row): Raw {
  const state: Raw = {};
  for (const [name, s, required] of fieldsOf(schema, doc))
    if ((required || name === 'line_items') && s.type === 'array' && isObjectSchema(resolve(s.items, doc)) && !record)
      state[name] = [{}];
  return state;
}

export function ActionForm({
  spec,
  doc,
  record,
  recordId,
  onDone,
  onCancel,
}: {
  spec: FormSpec;
  doc: OpenApiDocument;
  record?: Row;
  recordId?: string;
  onDone: (answer: Row) => void;
  onCancel: () => void;
}) {
  const schema = resolve(spec.schema, doc);
  const fields = spec.schema ? fieldsOf(schema, doc) : [];
  const [state, setState] = useState<Raw>(() => initialState(schema, doc, record));
  const [error, setError] = useState<{ message: string; param?: string } | undefined>();
  const [busy, setBusy] = useState(false);
  // Required fields, rows (line items) and who the record is for come first; the rest may be folded.
  const important = fields.filter(
    ([name, s, required]) =>
      required || /^customer/.test(name) || (s.type === 'array' && isObjectSchema(resolve(s.items, doc))),
  );
  const optional = fields.filter((f) => !important.includes(f));
  const showAllOptional = important.length === 0 || optional.length <= 6;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const body = spec.schema ? toBody(schema, state, doc) : undefined;
      const answer = await call<Row>(spec.method, spec.path, {
        params: recordId ? { id: recordId } : undefined,
        body: body ?? (spec.bodyRequired ? {} : undefined),
      });
      onDone(answer);
    } catch (err) {
      setError({ message: messageOf(err), param: err instanceof OpslineError ? err.param : undefined });
    } finally {
      setBusy(false);
    }
  }

  const fieldError = (name: string) => {
    if (!error?.param) return undefined;
    const top = error.param.split(/[.[]/)[0];
    return top === name ? error.message : undefined;
  };
  const render = ([name, s, required]: [string, Schema, boolean]) => (
    <Field
      key={name}
      name={name}
      schema={s}
      required={required}
      value={state[name]}
      onChange={(v) => setState((prev) => ({ ...prev, [name]: v }))}
      doc={doc}
      record={record}
      error={fieldError(name)}
    />
  );

  return (
    <form className="action-form" onSubmit={submit} noValidate>
      {error && (
        <div className="error-banner" role="alert">
          <strong>The API refused this.</strong> {error.message}
          {error.param && <span className="muted"> (field: {error.param})</span>}
        </div>
      )}
      {fields.length === 0 && <p className="muted">No details needed.</p>}
      {important.map(render)}
      {optional.length > 0 &&
        (showAllOptional ? (
          optional.map(render)
        ) : (
          <details className="more-fields">
            <summary>Optional fields ({optional.length})</summary>
            {optional.map(render)}
          </details>
        ))}
      <div className="form-buttons">
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Working…' : spec.title}
        </button>
      </div>
    </form>
  );
}

/** A record shown as label/value pairs (used in answers and on detail pages). */
export function Fields({ row, omit = [] }: { row: Row; omit?: string[] }) {
  return (
    <dl className="fields">
      {Object.entries(row)
        .filter(
          ([k, v]) =>
            !omit.includes(k) && k !== 'object' && !(Array.isArray(v) && v.some((x) => typeof x === 'object')),
        )
        .map(([k, v]) => (
          <div key={k}>
            <dt>{titleOf(k)}</dt>
            <dd>
              <Value name={k} value={v} row={row} />
            </dd>
          </div>
        ))}
    </dl>
  );
}
