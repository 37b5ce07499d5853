import { useEffect, useState } from 'preact/hooks';
import { api, MessageEvent, MessageView } from '../api';
import { ConfirmAction, ErrorNote, StatusBadge, Table } from '../components';
import { renderBody, shown, time } from '../format';

type Full = MessageView & { events: MessageEvent[] };

/** One message: its fields, timeline, body and the operator's actions. */
export function Message({ id }: { id: string }) {
  const [m, setM] = useState<Full | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [view, setView] = useState<'text' | 'json' | 'hex'>('json');
  const load = () =>
    api<Full>('GET', `/v1/admin/messages/${encodeURIComponent(id)}?withBody=true`).then(
      (x) => (setM(x), setError(null)),
      (e: unknown) => setError(e),
    );
  useEffect(() => void load(), [id]);
  // While the message is on its way (PENDING, CONFIRMED), follow it.
  const moving = m?.status === 'PENDING' || m?.status === 'CONFIRMED';
  useEffect(() => {
    if (!moving) return;
    const timer = setInterval(() => void load(), 1000);
    return () => clearInterval(timer);
  }, [id, moving]);
  const act = (path: string) => async (reason: string) => {
    await api('POST', `/v1/admin/messages/${encodeURIComponent(id)}/${path}`, { reason });
    await load();
  };
  return (
    <section>
      <h2>
        Message <code>{id}</code>
      </h2>
      <ErrorNote error={error} />
      {m && (
        <>
          <p>
            <StatusBadge status={m.status} /> {m.failMsg && <span class="wrap">{m.failMsg}</span>}
          </p>
          <div class="actions">
            {['FAILED', 'SENT', 'CANCELLED'].includes(m.status) && (
              <ConfirmAction
                label="Resend"
                question="Deliver this message again (its seq is kept)?"
                run={act('resend')}
              />
            )}
            {['PENDING', 'CONFIRMED', 'FAILED'].includes(m.status) && (
              <ConfirmAction
                label="Cancel"
                danger
                question="Cancel this message? It will never be delivered."
                run={act('cancel')}
              />
            )}
            {m.status === 'PENDING' && (
              <ConfirmAction
                label="Check back now"
                question="Ask the business service now whether its transaction committed?"
                run={act('check-back')}
              />
            )}
          </div>
          <dl class="fields">
            {(
              [
                ['producer', m.producerId],
                ['msgLogId', m.msgLogId],
                ['topic', m.topic],
                ['tag', m.tag],
                ['keys', m.keys.join(', ')],
                ['group', m.messageGroup],
                ['seq', m.seq],
                ['attempts', m.deliveryAttempts],
                ['check-backs', m.checkBackCount],
                ['created', time(m.createdAt)],
                ['confirmed', time(m.confirmedAt)],
                ['sent', time(m.sentAt)],
                ['receipt', m.mqMessageId],
                ['next attempt', time(m.nextAttemptAt)],
              ] as [string, string | number | null][]
            ).map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd class="wrap">{shown(v)}</dd>
              </div>
            ))}
          </dl>
          <h3>Timeline</h3>
          <Table head={['at', 'event', 'detail']} stack>
            {m.events.map((e, i) => (
              <tr key={i} class={`event-${e.type.toLowerCase()}`}>
                <td>{time(e.at)}</td>
                <td>{e.type}</td>
                <td class="wrap">
                  <code>{e.detail ? JSON.stringify(e.detail) : ''}</code>
                </td>
              </tr>
            ))}
          </Table>
          <h3>Body</h3>
          <div class="tabs" role="group">
            {(['text', 'json', 'hex'] as const).map((v) => (
              <button key={v} class={v === view ? '' : 'outline'} onClick={() => setView(v)}>
                {v === 'json' ? 'pretty JSON' : v}
              </button>
            ))}
          </div>
          <pre class="body">{m.body !== undefined ? renderBody(m.body, view) : ''}</pre>
        </>
      )}
    </section>
  );
}
