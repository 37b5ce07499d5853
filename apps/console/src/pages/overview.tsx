import { useEffect, useState } from 'preact/hooks';
import { api, Stats } from '../api';
import { ErrorNote, Table } from '../components';
import { age, STATUSES } from '../format';

const REFRESH_MS = 5000;

/** Counts by status, backlog ages, sends per minute, dead, blocked groups, failing producers. */
export function Overview() {
  const [stats, setStats] = useState<Stats | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [at, setAt] = useState<Date | null>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      api<Stats>('GET', '/v1/admin/stats').then(
        (s) => live && (setStats(s), setError(null), setAt(new Date())),
        (e: unknown) => live && setError(e),
      );
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  return (
    <section>
      <h2>Overview</h2>
      <ErrorNote error={error} />
      {stats && (
        <>
          <div class="cards">
            {STATUSES.map((s) => (
              <a key={s} class={`card status-${s.toLowerCase()}`} href={`#/messages?status=${s}`}>
                <small>{s}</small>
                <strong>{stats.totals[s] ?? 0}</strong>
              </a>
            ))}
          </div>
          <div class="cards">
            <div class="card">
              <small>oldest PENDING</small>
              <strong>{age(stats.oldestPendingAgeMs)}</strong>
            </div>
            <div class="card">
              <small>oldest CONFIRMED</small>
              <strong>{age(stats.oldestConfirmedAgeMs)}</strong>
            </div>
            <div class="card">
              <small>sent in the last minute</small>
              <strong>{stats.sentLastMinute}</strong>
            </div>
            <a class={`card ${stats.dead > 0 ? 'alarm' : ''}`} href="#/messages?status=FAILED">
              <small>dead (FAILED)</small>
              <strong>{stats.dead}</strong>
            </a>
          </div>
          <h3>Blocked message groups</h3>
          {stats.blockedGroups.length === 0 ? (
            <p>None.</p>
          ) : (
            <Table head={['producer', 'topic', 'group', 'FAILED head', 'waiting']}>
              {stats.blockedGroups.map((g) => (
                <tr key={`${g.producerId}/${g.topic}/${g.messageGroup}`}>
                  <td>{g.producerId}</td>
                  <td>{g.topic}</td>
                  <td>{g.messageGroup}</td>
                  <td>
                    <a href={`#/messages/${g.headMessageId}`}>{g.headMessageId}</a>
                  </td>
                  <td>{g.waiting}</td>
                </tr>
              ))}
            </Table>
          )}
          <h3>Producers whose check-backs fail</h3>
          {stats.failingProducers.length === 0 ? (
            <p>None.</p>
          ) : (
            <Table head={['producer', 'PENDING messages', 'error']}>
              {stats.failingProducers.map((p) => (
                <tr key={p.producerId}>
                  <td>
                    <a href={`#/messages?status=PENDING&producerId=${p.producerId}`}>
                      {p.producerId}
                    </a>
                  </td>
                  <td>{p.messages}</td>
                  <td class="wrap">{p.error}</td>
                </tr>
              ))}
            </Table>
          )}
          <p>
            <small>
              Refreshes every {REFRESH_MS / 1000} s; last {at?.toLocaleTimeString()}.
            </small>
          </p>
        </>
      )}
    </section>
  );
}
