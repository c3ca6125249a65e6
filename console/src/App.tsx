/** The console's shell: sign-in, the sidebar of resources (from /openapi.json), the header, the pages. */
import { createContext, useContext, useEffect, useMemo, useState, type FormEvent } from 'react';
import { forgetKey, messageOf, OpslineError, storedKey, useKey, whoAmI, type KeyInfo } from './api.ts';
import { DetailPage } from './DetailPage.tsx';
import { HomePage } from './HomePage.tsx';
import { ListPage } from './ListPage.tsx';
import { BASE, Link, navigate, useLocation } from './router.tsx';
import { allowed, loadDocument, resources, SECTION_ORDER, type OpenApiDocument, type Resource } from './spec.ts';

export interface Session {
  key: KeyInfo;
  doc: OpenApiDocument;
  resources: Resource[];
  can: (scope: string | undefined) => boolean;
  resource: (name: string) => Resource | undefined;
}

const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside the signed-in console');
  return session;
}

function SignIn({ onSignedIn, notice }: { onSignedIn: (key: KeyInfo) => void; notice?: string }) {
  const [secret, setSecret] = useState('');
  const [error, setError] = useState(notice);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    useKey(secret.trim());
    try {
      onSignedIn(await whoAmI());
    } catch (err) {
      forgetKey();
      setError(
        err instanceof OpslineError && err.status === 401
          ? 'That key is not valid (unknown, revoked or expired).'
          : messageOf(err),
      );
    } finally {
      setBusy(false);
    }
  }
  return (
    <div className="signin">
      <form onSubmit={submit} className="card signin-card">
        <div className="brand big">
          <span className="logo">◆</span> Opsline
        </div>
        <h1>Sign in to the console</h1>
        <p className="muted">
          Paste an API key. The first admin key is printed in the server log when the database is created;{' '}
          <code>opsline keys create</code> makes others. The key is kept for this browser tab only.
        </p>
        <label className="field">
          <span>API key</span>
          <input
            name="api_key"
            type="password"
            autoComplete="off"
            placeholder="sk_…"
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
            autoFocus
          />
        </label>
        {error && (
          <div className="error-banner" role="alert">
            {error}
          </div>
        )}
        <button className="primary wide" type="submit" disabled={busy || !secret.trim()}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}

function Sidebar({
  session,
  path,
  open,
  onNavigate,
}: {
  session: Session;
  path: string;
  open: boolean;
  onNavigate: () => void;
}) {
  const groups = new Map<string, Resource[]>(SECTION_ORDER.map((s) => [s, []]));
  for (const r of session.resources)
    if (session.can(r.listScope)) groups.set(r.group, [...(groups.get(r.group) ?? []), r]);
  const current = path.slice(BASE.length + 1).split('/')[0];
  return (
    <nav className={`sidebar${open ? ' open' : ''}`} onClick={onNavigate}>
      <Link to={BASE} className={`nav-item${current === '' ? ' active' : ''}`}>
        Home
      </Link>
      {[...groups]
        .filter(([, items]) => items.length > 0)
        .map(([group, items]) => (
          <div key={group} className="nav-group">
            <div className="nav-group-title">{group}</div>
            {items.map((r) => (
              <Link key={r.name} to={`${BASE}/${r.name}`} className={`nav-item${current === r.name ? ' active' : ''}`}>
                {r.title}
              </Link>
            ))}
          </div>
        ))}
    </nav>
  );
}

export function App() {
  const [key, setKey] = useState<KeyInfo | undefined>();
  const [doc, setDoc] = useState<OpenApiDocument | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [checking, setChecking] = useState(Boolean(storedKey()));
  const [menuOpen, setMenuOpen] = useState(false);
  const location = useLocation();

  useEffect(() => {
    loadDocument().then(setDoc, (err) => setProblem(messageOf(err)));
    if (storedKey())
      whoAmI()
        .then(setKey, () => forgetKey())
        .finally(() => setChecking(false));
  }, []);

  const session = useMemo<Session | undefined>(() => {
    if (!key || !doc) return undefined;
    const all = resources(doc);
    return {
      key,
      doc,
      resources: all,
      can: (scope) => allowed(key.scopes, scope),
      resource: (name) => all.find((r) => r.name === name),
    };
  }, [key, doc]);

  if (problem) return <div className="error-banner page-error">{problem}</div>;
  if (checking) return <div className="loading-page">Loading…</div>;
  if (!key) return <SignIn onSignedIn={setKey} />;
  if (!session) return <div className="loading-page">Loading…</div>;

  const parts = location.path.startsWith(BASE) ? location.path.slice(BASE.length).split('/').filter(Boolean) : [];
  const resource = parts[0] ? session.resource(parts[0]) : undefined;
  let page;
  if (parts.length === 0) page = <HomePage />;
  else if (!resource) page = <div className="card">There is no “{parts[0]}” in this API.</div>;
  else if (parts.length === 1) page = <ListPage key={resource.name} resource={resource} query={location.query} />;
  else page = <DetailPage key={`${resource.name}/${parts[1]}`} resource={resource} id={decodeURIComponent(parts[1])} />;

  return (
    <SessionContext.Provider value={session}>
      <div className="shell">
        <header className="topbar">
          <button className="menu-button" aria-label="Menu" onClick={() => setMenuOpen(!menuOpen)}>
            ☰
          </button>
          <Link to={BASE} className="brand">
            <span className="logo">◆</span> Opsline
          </Link>
          <div className="spacer" />
          <div className="who" title={key.scopes.join(', ')}>
            <span className="who-name">{key.name ?? 'API key'}</span>
            <span className="muted"> {key.key_prefix}…</span>
          </div>
          <button
            className="secondary small"
            onClick={() => {
              forgetKey();
              setKey(undefined);
              navigate(BASE);
            }}
          >
            Sign out
          </button>
        </header>
        <Sidebar session={session} path={location.path} open={menuOpen} onNavigate={() => setMenuOpen(false)} />
        <main className="content">{page}</main>
      </div>
    </SessionContext.Provider>
  );
}
