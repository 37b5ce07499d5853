import { useEffect, useState } from 'preact/hooks';
import { api, Producer } from '../api';
import { ConfirmAction, ErrorNote, Table } from '../components';
import { field } from '../format';

interface Credentials {
  producer: Producer;
  apiKey: string;
  signingSecret: string;
}

const POLICY = [
  'checkBackDelayMs',
  'checkBackGiveUpMs',
  'checkBackTimeoutMs',
  'checkBackConcurrency',
] as const;

/** The secrets of a registration or rotation: shown once, here, never again. */
function Secrets({ c, done }: { c: Credentials; done: () => void }) {
  return (
    <article class="secrets" aria-label="secrets">
      <header>
        Secrets of <strong>{c.producer.id}</strong>: copy them now, they are shown only once.
      </header>
      <label>
        API key <input readOnly value={c.apiKey} name="apiKey" />
      </label>
      <label>
        Signing secret <input readOnly value={c.signingSecret} name="signingSecret" />
      </label>
      <button onClick={done}>I have copied them</button>
    </article>
  );
}

/** Producers: register (secrets once), rotate, disable/enable, policy. */
export function Producers() {
  const [list, setList] = useState<Producer[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [shown, setShown] = useState<Credentials | null>(null);
  const load = () =>
    api<Producer[]>('GET', '/v1/admin/producers').then(
      (p) => (setList(p), setError(null)),
      (e: unknown) => setError(e),
    );
  useEffect(() => void load(), []);
  const register = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    try {
      setShown(
        await api<Credentials>('POST', '/v1/admin/producers', {
          id: field(f, 'id'),
          checkBackUrl: field(f, 'checkBackUrl'),
        }),
      );
      (e.target as HTMLFormElement).reset();
      await load();
    } catch (err) {
      setError(err);
    }
  };
  const patch = async (id: string, body: unknown) => {
    await api('PATCH', `/v1/admin/producers/${id}`, body);
    await load();
  };
  const savePolicy = (id: string) => async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    const policy = Object.fromEntries(
      POLICY.map((k) => [k, field(f, k) === '' ? null : Number(field(f, k))]),
    );
    await patch(id, { policy }).catch((err: unknown) => setError(err));
  };
  return (
    <section>
      <h2>Producers</h2>
      {shown && <Secrets c={shown} done={() => setShown(null)} />}
      <ErrorNote error={error} />
      <form class="filters" onSubmit={(e) => void register(e)} aria-label="register">
        <input name="id" placeholder="id (slug)" required />
        <input name="checkBackUrl" placeholder="check-back URL" required />
        <button type="submit">Register</button>
      </form>
      {list && (
        <Table head={['id', 'check-back URL', 'enabled', 'policy', '']}>
          {list.map((p) => (
            <tr key={p.id}>
              <td>{p.id}</td>
              <td class="wrap">{p.checkBackUrl}</td>
              <td>{p.enabled ? 'yes' : 'no'}</td>
              <td>
                <form class="policy" onSubmit={(e) => void savePolicy(p.id)(e)}>
                  {POLICY.map((k) => (
                    <input
                      key={k}
                      name={k}
                      type="number"
                      placeholder={k}
                      title={k}
                      value={p.policy[k] ?? ''}
                    />
                  ))}
                  <button type="submit" class="outline">
                    Save policy
                  </button>
                </form>
              </td>
              <td>
                <div class="actions">
                  <ConfirmAction
                    label="Rotate key"
                    question={`Issue a new API key for ${p.id}? The old one stops working.`}
                    run={async () =>
                      setShown(
                        await api<Credentials>(
                          'POST',
                          `/v1/admin/producers/${p.id}/rotate-key`,
                          {},
                        ),
                      )
                    }
                  />
                  <ConfirmAction
                    label={p.enabled ? 'Disable' : 'Enable'}
                    danger={p.enabled}
                    question={`${p.enabled ? 'Disable' : 'Enable'} ${p.id}?`}
                    run={() => patch(p.id, { enabled: !p.enabled })}
                  />
                </div>
              </td>
            </tr>
          ))}
        </Table>
      )}
    </section>
  );
}
