import { Producer } from './producer';

/** The origin (`scheme://host:port`) of an http(s) URL, or undefined when it is not one. */
export function httpOrigin(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a per-message msgLogUrl is allowed for this producer (same origin or listed). */
export function isAllowedCheckBackUrl(producer: Producer, url: string): boolean {
  const origin = httpOrigin(url);
  if (!origin) return false;
  return (
    origin === httpOrigin(producer.checkBackUrl) ||
    producer.allowedCheckBackOrigins.includes(origin)
  );
}
