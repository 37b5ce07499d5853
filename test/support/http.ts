/** A JSON response: status and parsed body. */
export interface JsonResponse<T = unknown> {
  status: number;
  body: T;
}

export interface CallOptions {
  token?: string;
  json?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

/** Calls the service over real HTTP and parses the JSON answer; its headers too. */
export async function callWithHeaders<T = unknown>(
  baseUrl: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<JsonResponse<T> & { headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.rawBody !== undefined) {
    headers['content-type'] = 'application/json';
    body = options.rawBody;
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  return {
    status: response.status,
    body: (text ? JSON.parse(text) : undefined) as T,
    headers: response.headers,
  };
}

/** Calls the service over real HTTP and parses the JSON answer. */
export async function call<T = unknown>(
  baseUrl: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<JsonResponse<T>> {
  const { status, body } = await callWithHeaders<T>(baseUrl, method, path, options);
  return { status, body };
}
