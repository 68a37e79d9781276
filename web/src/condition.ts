import { isCancel, type AxiosError, type AxiosRequestConfig } from 'axios';

/**
 * The default retry condition, as the specification lists it: a network
 * error (no response), or a response with status 5xx, 429 (Too Many
 * Requests) or 408 (Request Timeout). Not retried: other 4xx, a cancelled
 * request, and errors that cannot heal by themselves (a bad option or URL).
 * 401 is never retried whatever the condition says. Use it to build a
 * condition: `(e) => isRetryable(e) || e.response?.status === 409`.
 */
export function isRetryable(error: AxiosError): boolean {
  const s = statusOf(error);
  if (s === undefined) {
    return !isCancel(error) && !/^ERR_(CANCELED|BAD_OPTION|INVALID_URL|NOT_SUPPORT|DEPRECATED|FR_)/.test(error.code || '');
  }
  return (s >= 500 && s <= 599) || s === 429 || s === 408;
}

/**
 * The status of a failed attempt's response, or undefined when the attempt
 * got no complete response: a network error, or a response whose body was
 * cut off (axios then reports its 2xx status with the error).
 */
export function statusOf(error: AxiosError): number | undefined {
  const s = error.response?.status;
  return s !== undefined && s >= 400 ? s : undefined;
}

/**
 * Reports whether a failed request may be sent again: its method is
 * idempotent (GET, HEAD, OPTIONS, TRACE, PUT, DELETE), it carries an
 * Idempotency-Key (or X-Idempotency-Key) header, or the error proves that
 * the request never left (connection refused, host not found: Node.js only;
 * a browser does not tell).
 */
export function mayRepeat(config: AxiosRequestConfig, error: AxiosError): boolean {
  return (
    /^(get|head|options|trace|put|delete)$/i.test(config.method || 'get') ||
    Object.keys(config.headers || {}).some((k) => /^(x-)?idempotency-key$/i.test(k)) ||
    /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN)$/.test(error.code || '')
  );
}
