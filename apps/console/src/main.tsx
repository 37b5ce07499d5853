import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, session, whenUnauthorized } from './api';
import { ErrorNote } from './components';
import { field } from './format';
import { Message } from './pages/message';
import { Messages } from './pages/messages';
import { Overview } from './pages/overview';
import { Producers } from './pages/producers';
import { Reconciliation } from './pages/reconciliation';

/** The route in the URL's hash: `#/messages?status=FAILED`, `#/messages/<id>`, … */
function useRoute(): { path: string; query: URLSearchParams } {
  const read = () => {
    const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
    return { path: path || '/', query: new URLSearchParams(query) };
  };
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onChange = () => setRoute(read());
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

function SignIn({ done, reason }: { done: () => void; reason: string | null }) {
  const [error, setError] = useState<unknown>(reason ? new Error(reason) : null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    const token = field(f, 'token');
    try {
      // Any admin read tells whether the token is right.
      await api('GET', '/v1/admin/stats', undefined, token);
      session.signIn(token, field(f, 'actor').trim());
      done();
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401
          ? new Error('That admin token was refused. Check ADMIN_TOKEN and try again.')
          : err,
      );
    }
  };
  return (
    <article class="sign-in">
      <h1>RMS console</h1>
      <form onSubmit={(e) => void submit(e)}>
        <label>
          Admin token
          <input name="token" type="password" autocomplete="off" required />
        </label>
        <label>
          Your name (named in the timeline as admin:&lt;name&gt;)
          <input name="actor" autocomplete="username" />
        </label>
        <ErrorNote error={error} />
        <button type="submit">Sign in</button>
      </form>
    </article>
  );
}

function App() {
  const [signedIn, setSignedIn] = useState(session.token !== null);
  const [reason, setReason] = useState<string | null>(null);
  const { path, query } = useRoute();
  useEffect(
    () =>
      whenUnauthorized(() => {
        session.signOut();
        setReason('Your session was refused (the admin token changed?): sign in again.');
        setSignedIn(false);
      }),
    [],
  );
  if (!signedIn)
    return <SignIn reason={reason} done={() => (setReason(null), setSignedIn(true))} />;
  const [, section, id] = path.split('/');
  let page;
  if (section === 'messages' && id) page = <Message id={decodeURIComponent(id)} />;
  else if (section === 'messages') page = <Messages query={query} />;
  else if (section === 'producers') page = <Producers />;
  else if (section === 'reconciliation') page = <Reconciliation />;
  else page = <Overview />;
  const nav = [
    ['#/', 'Overview', ''],
    ['#/messages', 'Messages', 'messages'],
    ['#/producers', 'Producers', 'producers'],
    ['#/reconciliation', 'Reconciliation', 'reconciliation'],
  ];
  return (
    <>
      <nav>
        <ul>
          <li>
            <strong>RMS</strong>
          </li>
        </ul>
        <ul>
          {nav.map(([href, label, key]) => (
            <li key={href}>
              <a href={href} aria-current={(section ?? '') === key ? 'page' : undefined}>
                {label}
              </a>
            </li>
          ))}
          <li>
            <a
              href="#/"
              onClick={() => {
                session.signOut();
                setSignedIn(false);
              }}
            >
              Sign out
            </a>
          </li>
        </ul>
      </nav>
      {page}
    </>
  );
}

render(<App />, document.getElementById('app')!);
