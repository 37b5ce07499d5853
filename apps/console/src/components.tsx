import { useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { ApiError } from './api';

export function StatusBadge({ status }: { status: string }) {
  return <span class={`status status-${status.toLowerCase()}`}>{status}</span>;
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const text =
    error instanceof ApiError ? `${error.code}: ${error.message}` : (error as Error).message;
  return (
    <p class="error" role="alert">
      {text}
    </p>
  );
}

/**
 * A button that asks first: a dialog with the action, a required reason, and Confirm / Back. The
 * reason goes to the action (and so into the message's timeline).
 */
export function ConfirmAction(props: {
  label: string;
  question: string;
  run: (reason: string) => Promise<unknown>;
  danger?: boolean;
}) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await props.run(reason.trim());
      setOpen(false);
      setReason('');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button class={props.danger ? 'secondary' : ''} onClick={() => setOpen(true)}>
        {props.label}
      </button>
      {open && (
        <dialog open aria-label={props.label}>
          <article>
            <h3>{props.label}</h3>
            <p>{props.question}</p>
            <label>
              Reason (recorded in the timeline)
              <input
                name="reason"
                value={reason}
                onInput={(e) => setReason((e.target as HTMLInputElement).value)}
                required
              />
            </label>
            <ErrorNote error={error} />
            <footer>
              <button class="secondary" onClick={() => setOpen(false)} disabled={busy}>
                Back
              </button>
              <button onClick={() => void confirm()} disabled={busy || reason.trim() === ''}>
                Confirm
              </button>
            </footer>
          </article>
        </dialog>
      )}
    </>
  );
}

/** A table that scrolls inside itself on small screens, never the page. */
export function Table({
  head,
  children,
  stack = false,
}: {
  head: string[];
  children: ComponentChildren;
  /** On phones, one entry under another instead of columns. */
  stack?: boolean;
}) {
  return (
    <div class={`table-wrap${stack ? ' stack' : ''}`}>
      <table class="striped">
        <thead>
          <tr>
            {head.map((h) => (
              <th key={h}>{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
