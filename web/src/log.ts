import type { AxiosError } from 'axios';
import { statusOf } from './condition.js';

// The texts of the statuses retried by default, as Go's http.StatusText.
const texts: Record<number, string> = {
  408: 'Request Timeout',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
  506: 'Variant Also Negotiates',
  507: 'Insufficient Storage',
  508: 'Loop Detected',
  510: 'Not Extended',
  511: 'Network Authentication Required',
};

/**
 * The reason a retry's log line gives: "Network Error" for a failure
 * without a response, else the status and its text ("503 Service
 * Unavailable"; for a status outside the table, the server's status text
 * without control characters).
 */
export function reason(error: AxiosError): string {
  const r = error.response;
  if (!r || !statusOf(error)) return 'Network Error';
  const t = texts[r.status] ?? String(r.statusText || '').replace(/[\x00-\x1f\x7f]/g, '');
  return t ? `${r.status} ${t}` : String(r.status);
}

/**
 * The specification's console line for retry n of m:
 * `[Retry 1/3] GET /api/v1/assets/ (delay: 1234ms, reason: Network Error)`.
 * path must already be escaped (a URL's pathname is).
 */
export function retryLine(n: number, m: number, method: string, path: string, delay: number, why: string): string {
  return `[Retry ${n}/${m}] ${method} ${path} (delay: ${delay}ms, reason: ${why})`;
}
