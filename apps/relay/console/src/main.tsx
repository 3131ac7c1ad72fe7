import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.ts';
import { ConnectorPage, NewConnectorPage } from './connector.tsx';
import { InboxPage } from './inbox.tsx';
import { OverviewPage } from './overview.tsx';
import './style.css';
import { TailPage } from './tail.tsx';

/** Pages are addressed by the URL's fragment, so every page is `/console/` to the relay. */
function useRoute(): string[] {
  const parse = () =>
    window.location.hash
      .replace(/^#\/?/, '')
      .split('/')
      .filter((s) => s !== '')
      .map(decodeURIComponent);
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const onChange = () => setRoute(parse());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

function App() {
  const route = useRoute();
  const [server, setServer] = useState<{ version: string; kafka_cluster_id: string | null } | undefined>();
  useEffect(() => {
    api<{ version: string; kafka_cluster_id: string | null }>('GET', '/').then(setServer, () => undefined);
  }, []);
  const [page, arg] = route;
  const nav = (href: string, label: string, active: boolean) => (
    <a href={href} class={active ? 'active' : ''} aria-current={active ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <>
      <header class="top">
        <a class="brand" href="#/">
          Outflow
        </a>
        <nav>
          {nav('#/', 'Overview', page === undefined || page === 'connectors' || page === 'new')}
          {nav('#/tail', 'Live tail', page === 'tail')}
          {nav('#/inbox', 'Inbox', page === 'inbox')}
        </nav>
        <span class="server">
          {server === undefined
            ? ''
            : `relay ${server.version} · Kafka cluster ${server.kafka_cluster_id ?? 'unreachable'}`}
        </span>
      </header>
      <main>
        {page === 'connectors' && arg !== undefined ? (
          <ConnectorPage name={arg} />
        ) : page === 'new' ? (
          <NewConnectorPage />
        ) : page === 'tail' ? (
          <TailPage connector={arg} />
        ) : page === 'inbox' ? (
          <InboxPage />
        ) : (
          <OverviewPage />
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
