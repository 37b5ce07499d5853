/** The admin API, called with the operator's token (kept in sessionStorage, never in a URL). */

const TOKEN = 'rms-console-token';
const ACTOR = 'rms-console-actor';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const session = {
  get token(): string | null {
    return sessionStorage.getItem(TOKEN);
  },
  get actor(): string {
    return sessionStorage.getItem(ACTOR) ?? '';
  },
  signIn(token: string, actor: string): void {
    sessionStorage.setItem(TOKEN, token);
    sessionStorage.setItem(ACTOR, actor);
  },
  signOut(): void {
    sessionStorage.removeItem(TOKEN);
    sessionStorage.removeItem(ACTOR);
  },
};

/** Called when the token is refused: the app shows the sign-in again. */
let onUnauthorized: () => void = () => undefined;
export const whenUnauthorized = (handler: () => void) => (onUnauthorized = handler);

export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  token = session.token,
): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${token ?? ''}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (session.actor) headers['x-rms-actor'] = session.actor;
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const e = (json ?? {}) as { code?: string; message?: string };
    if (res.status === 401) onUnauthorized();
    throw new ApiError(res.status, e.code ?? 'ERROR', e.message ?? `HTTP ${res.status}`);
  }
  return json as T;
}

/** The service's own view type (type-only: nothing of libs/contracts lands in the bundle). */
export type { MessageView } from '../../../libs/contracts/src/message-view';

export interface MessageEvent {
  id: number;
  type: string;
  at: string;
  detail: Record<string, unknown> | null;
}

export interface Producer {
  id: string;
  name: string;
  checkBackUrl: string;
  allowedCheckBackOrigins: string[];
  enabled: boolean;
  policy: Record<string, number | null>;
}

export interface Stats {
  totals: Record<string, number>;
  oldestPendingAgeMs: number | null;
  oldestConfirmedAgeMs: number | null;
  dead: number;
  sentLastMinute: number;
  blockedGroups: {
    producerId: string;
    topic: string;
    messageGroup: string;
    headMessageId: string;
    waiting: number;
  }[];
  failingProducers: { producerId: string; messages: number; error: string }[];
}
