import { useEffect, useState } from 'preact/hooks';
import { api, MessageView } from '../api';
import { ErrorNote, StatusBadge, Table } from '../components';
import { STATUSES, time } from '../format';

const FILTERS = ['status', 'producerId', 'topic', 'msgLogId', 'createdFrom', 'createdTo'] as const;

/** The admin search: filters in the URL (deep links), cursor paging. */
export function Messages({ query }: { query: URLSearchParams }) {
  const [page, setPage] = useState<{ items: MessageView[]; nextCursor: string | null } | null>(
    null,
  );
  const [error, setError] = useState<unknown>(null);
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const filters = Object.fromEntries(FILTERS.map((f) => [f, query.get(f) ?? '']));
  const search = new URLSearchParams(
    Object.entries(filters).filter(([, v]) => v !== ''),
  ).toString();
  // The form's fields: from the URL, then as the operator types (not reset by a re-render).
  const [draft, setDraft] = useState<Record<string, string>>(filters);
  useEffect(() => {
    setCursors([]);
    setDraft(Object.fromEntries(new URLSearchParams(search)));
  }, [search]);
  const bind = (name: (typeof FILTERS)[number]) => ({
    name,
    value: draft[name] ?? '',
    // From the latest draft, not this render's: two fields changed before the next render
    // (a fast hand, autofill) both count.
    onInput: (e: Event) => {
      const value = (e.target as HTMLInputElement | HTMLSelectElement).value;
      setDraft((d) => ({ ...d, [name]: value }));
    },
  });
  useEffect(() => {
    const params = new URLSearchParams(search);
    params.set('limit', '50');
    if (cursor) params.set('cursor', cursor);
    api<{ items: MessageView[]; nextCursor: string | null }>(
      'GET',
      `/v1/admin/messages?${params.toString()}`,
    ).then(
      (p) => (setPage(p), setError(null)),
      (e: unknown) => setError(e),
    );
  }, [search, cursor]);
  const apply = (e: Event) => {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const f of FILTERS) {
      const v = (draft[f] ?? '').trim();
      if (v) next.set(f, v);
    }
    location.hash = `#/messages?${next.toString()}`;
  };
  return (
    <section>
      <h2>Messages</h2>
      <form class="filters" onSubmit={apply}>
        <select aria-label="status" {...bind('status')} onChange={bind('status').onInput}>
          <option value="">any status</option>
          {STATUSES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <input placeholder="producer" {...bind('producerId')} />
        <input placeholder="topic" {...bind('topic')} />
        <input placeholder="msgLogId" {...bind('msgLogId')} />
        <input placeholder="created from (ISO)" {...bind('createdFrom')} />
        <input placeholder="created to (ISO)" {...bind('createdTo')} />
        <button type="submit">Search</button>
      </form>
      <ErrorNote error={error} />
      {page && (
        <>
          <Table head={['id', 'status', 'producer', 'topic', 'msgLogId', 'created']}>
            {page.items.map((m) => (
              <tr key={m.id}>
                <td>
                  <a href={`#/messages/${m.id}`}>{m.id}</a>
                </td>
                <td>
                  <StatusBadge status={m.status} />
                </td>
                <td>{m.producerId}</td>
                <td>{m.topic}</td>
                <td class="wrap">{m.msgLogId}</td>
                <td>{time(m.createdAt)}</td>
              </tr>
            ))}
          </Table>
          {page.items.length === 0 && <p>No message matches.</p>}
          <div class="pager">
            <button
              class="secondary"
              disabled={cursors.length === 0}
              onClick={() => setCursors(cursors.slice(0, -1))}
            >
              Newer
            </button>
            <button
              class="secondary"
              disabled={!page.nextCursor}
              onClick={() => page.nextCursor && setCursors([...cursors, page.nextCursor])}
            >
              Older
            </button>
          </div>
        </>
      )}
    </section>
  );
}
