/** Small formatting helpers of the console. */

export function age(ms: number | null): string {
  if (ms === null) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export const time = (iso: string | null): string =>
  iso ? new Date(iso).toISOString().replace('T', ' ').replace('Z', '') : '—';

export function decodeBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** A body as text (UTF-8, replacement characters where it is not), pretty JSON, or hex. */
export function renderBody(b64: string, as: 'text' | 'json' | 'hex'): string {
  const bytes = decodeBase64(b64);
  if (as === 'hex') {
    const lines: string[] = [];
    for (let i = 0; i < bytes.length; i += 16) {
      const row = Array.from(bytes.slice(i, i + 16), (b) => b.toString(16).padStart(2, '0'));
      lines.push(`${i.toString(16).padStart(6, '0')}  ${row.join(' ')}`);
    }
    return lines.join('\n');
  }
  const text = new TextDecoder().decode(bytes);
  if (as === 'text') return text;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return `(not JSON)\n${text}`;
  }
}

export const STATUSES = ['PENDING', 'CONFIRMED', 'SENT', 'FAILED', 'CANCELLED'] as const;

/** A text field of a submitted form ('' when absent). */
export function field(form: FormData, name: string): string {
  const v = form.get(name);
  return typeof v === 'string' ? v : '';
}

/** A field's value for display. */
export const shown = (v: string | number | null): string =>
  v === null || v === '' ? '—' : String(v);
