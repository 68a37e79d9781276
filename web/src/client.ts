import axios, {
  CanceledError,
  type AxiosError,
  type AxiosInstance,
  type AxiosRequestConfig,
  type CreateAxiosDefaults,
  type InternalAxiosRequestConfig,
} from 'axios';
import { createBudget, type Budget } from './budget.js';
import { isRetryable, mayRepeat, statusOf } from './condition.js';
import { backoffDelay, parseRetryAfter } from './delay.js';
import { reason, retryLine } from './log.js';

/** How a request is retried; each field falls back to the client's, then to the default. */
export interface RetryOptions {
  /** Retries after the first attempt (a non-negative integer). Default 3. */
  retries?: number;
  /** Base delay in ms: retry n waits about retryDelay * 2^(n-1), plus up to 30% jitter. Default 1000. */
  retryDelay?: number;
  /** Largest wait between attempts in ms, Retry-After included. Default 10000. */
  maxRetryDelay?: number;
  /** Whether a failed attempt is worth retrying. Default isRetryable. 401 is never retried. */
  retryCondition?: (error: AxiosError) => boolean;
}

/** What the log hook is told about each retry, beside the console line. */
export interface RetryInfo {
  /** The retry's number, 1 for the first. */
  retry: number;
  /** The retries allowed. */
  retries: number;
  method: string;
  /** The request's URL without query or fragment, escaped. */
  url: string;
  /** The wait before the retry, ms. */
  delay: number;
  /** "Network Error" or the status, as in the console line. */
  reason: string;
  error: AxiosError;
}

/** Options of createApiClient: axios's, the client-wide retry options, and these. */
export interface ApiClientOptions extends CreateAxiosDefaults, RetryOptions {
  /** Called on a 401 response, which is never retried. Default: go to loginUrl. */
  onUnauthorized?: (error: AxiosError) => void;
  /** Where the default onUnauthorized sends the browser. Default "/login". */
  loginUrl?: string;
  /** The retry budget, or false for none. Default: a fresh createBudget() per client. */
  budget?: Budget | false;
  /** Receives each retry's line; false for silence. Default console.warn. */
  log?: ((line: string, info: RetryInfo) => void) | false;
}

declare module 'axios' {
  interface AxiosRequestConfig {
    /** Per-request retry options; see withRetry. */
    retry?: RetryOptions;
  }
}

const defaults = { retries: 3, retryDelay: 1000, maxRetryDelay: 10000, retryCondition: isRetryable };
const count = '__retries'; // the retries made so far, kept on the request's config

/**
 * Returns config with per-request retry options, merged over any it had:
 *
 *     apiClient.get('/special-endpoint', withRetry({ params }, { retries: 5, retryDelay: 2000 }))
 *
 * Throws a TypeError naming a bad value.
 */
export function withRetry<T extends AxiosRequestConfig>(config: T = {} as T, options: RetryOptions = {}): T {
  return { ...config, retry: { ...config.retry, ...check(options, 'withRetry') } };
}

/**
 * Creates an axios instance that retries transient failures: network
 * errors, 5xx, 429 and 408 (isRetryable), 3 times by default, waiting about
 * 1s, 2s and 4s (plus up to 30% jitter, at most 10s), or what Retry-After
 * asks on a 429 or 503, up to the same cap. A request that may have reached
 * the server is retried only when repeating it is safe (mayRepeat). An
 * AbortSignal (config.signal) or a cancelToken ends a wait at once with
 * axios's CanceledError. A 401 calls onUnauthorized. Each retry logs the
 * specification's line; retries to one origin are limited by the budget.
 * Throws a TypeError naming a bad option.
 */
export function createApiClient(options: ApiClientOptions = {}): AxiosInstance {
  const {
    retries,
    retryDelay,
    maxRetryDelay,
    retryCondition,
    onUnauthorized,
    loginUrl = '/login',
    budget = createBudget(),
    log = (line: string) => console.warn(line),
    ...config
  } = options;
  const client = merge(defaults, check({ retries, retryDelay, maxRetryDelay, retryCondition }, 'createApiClient'));
  const unauthorized = onUnauthorized || (() => globalThis.location?.assign(loginUrl));
  const api = axios.create(config);

  const retry = async (error: AxiosError) => {
    const cfg = error?.config as (InternalAxiosRequestConfig & { [count]?: number }) | undefined;
    if (!cfg) throw error;
    const status = statusOf(error);
    const url = where(cfg);
    if (status === 401) {
      if (budget) budget.done(url.origin);
      unauthorized(error);
      throw error;
    }
    const p = merge(client, cfg.retry || {});
    if (!p.retryCondition(error)) {
      if (status && budget) budget.done(url.origin);
      throw error;
    }
    const n = (cfg[count] || 0) + 1;
    const signal = cfg.signal;
    if (n > p.retries || signal?.aborted || cfg.cancelToken?.reason || !mayRepeat(cfg, error)) throw error;
    let delay = backoffDelay(n, p.retryDelay, p.maxRetryDelay);
    const after = status === 429 || status === 503 ? parseRetryAfter(error.response?.headers['retry-after']) : undefined;
    if (after !== undefined && after > delay) delay = Math.min(after, p.maxRetryDelay);
    if (budget && !budget.allow(url.origin)) throw error;
    if (log) {
      const info = { retry: n, retries: p.retries, method: (cfg.method || 'get').toUpperCase(), url: url.pathname, delay, reason: reason(error), error };
      log(retryLine(n, p.retries, info.method, info.url, delay, info.reason), info);
    }
    try {
      await wait(delay, cfg);
    } catch (e) {
      if (budget) budget.cancel(url.origin);
      throw e;
    }
    cfg[count] = n;
    return api.request(cfg);
  };

  api.interceptors.response.use((res) => {
    if (budget && res.config) budget.done(where(res.config).origin);
    return res;
  }, retry);
  return api;
}

// where returns the request's full URL, resolved against the page's.
function where(config: AxiosRequestConfig): URL {
  const uri = axios.getUri(config);
  try {
    return new URL(uri, globalThis.location?.href || 'http://localhost/');
  } catch {
    return new URL('http://invalid/' + encodeURIComponent(uri.split(/[?#]/)[0]));
  }
}

// wait resolves after ms, or rejects with a CanceledError the moment the
// request's signal aborts or its cancelToken cancels.
function wait(ms: number, config: InternalAxiosRequestConfig): Promise<void> {
  const signal = config.signal;
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const abort = () => {
      clearTimeout(timer);
      reject(new CanceledError(undefined, config));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener?.('abort', abort);
      resolve();
    }, ms);
    signal?.addEventListener?.('abort', abort);
    config.cancelToken?.promise.then(abort);
  });
}

// merge returns base with the fields of o that are set.
function merge<T extends object>(base: T, o: Partial<T>): T {
  const p = { ...base };
  for (const k in o) if (o[k] !== undefined) p[k] = o[k] as T[typeof k];
  return p;
}

// check validates retry options, naming the bad value and where it came from.
function check(o: RetryOptions, where: string): RetryOptions {
  for (const k of ['retries', 'retryDelay', 'maxRetryDelay'] as const) {
    const v = o[k];
    if (v !== undefined && !(typeof v === 'number' && v >= 0 && Number.isFinite(v) && (k !== 'retries' || Number.isInteger(v)))) {
      throw new TypeError(`${where}: ${k} must be a non-negative ${k === 'retries' ? 'integer' : 'number of ms'}, got ${String(v)}`);
    }
  }
  if (o.retryCondition !== undefined && typeof o.retryCondition !== 'function') {
    throw new TypeError(`${where}: retryCondition must be a function, got ${typeof o.retryCondition}`);
  }
  return o;
}
