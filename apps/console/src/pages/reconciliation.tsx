import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { ConfirmAction, ErrorNote, Table } from '../components';

interface Row {
  consumerGroup: string;
  producerId: string;
  topic: string;
  sent: number;
  consumed: number;
  consumedWatermark: number;
  failed: number;
  missing: { total: number; items: { seq: number; messageId: string }[] };
}

/** What consumer groups reported against what was sent, and the resend of what they missed. */
export function Reconciliation() {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = () =>
    api<{ items: Row[] }>('GET', '/v1/admin/reconciliation').then(
      (r) => (setRows(r.items), setError(null)),
      (e: unknown) => setError(e),
    );
  useEffect(() => void load(), []);
  return (
    <section>
      <h2>Reconciliation</h2>
      <ErrorNote error={error} />
      {rows && rows.length === 0 && <p>No consumer group reports yet.</p>}
      {rows && rows.length > 0 && (
        <Table
          head={[
            'group',
            'producer',
            'topic',
            'sent',
            'consumed',
            'watermark',
            'failed',
            'missing',
            '',
          ]}
        >
          {rows.map((r) => (
            <tr key={`${r.consumerGroup}/${r.producerId}/${r.topic}`}>
              <td>{r.consumerGroup}</td>
              <td>{r.producerId}</td>
              <td>{r.topic}</td>
              <td>{r.sent}</td>
              <td>{r.consumed}</td>
              <td>{r.consumedWatermark}</td>
              <td>{r.failed}</td>
              <td class={r.missing.total > 0 ? 'alarm' : ''}>
                {r.missing.total}
                {r.missing.items.slice(0, 3).map((m) => (
                  <div key={m.messageId}>
                    <a href={`#/messages/${m.messageId}`}>seq {m.seq}</a>
                  </div>
                ))}
              </td>
              <td>
                {r.missing.total > 0 && (
                  <ConfirmAction
                    label="Resend missing"
                    question={`Resend the ${r.missing.total} message(s) ${r.consumerGroup} never reported?`}
                    run={async () => {
                      await api('POST', '/v1/admin/reconciliation/resend', {
                        topic: r.topic,
                        producerId: r.producerId,
                        consumerGroup: r.consumerGroup,
                      });
                      await load();
                    }}
                  />
                )}
              </td>
            </tr>
          ))}
        </Table>
      )}
    </section>
  );
}
