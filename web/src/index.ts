/**
 * A retrying API client for the browser: the NOP retry specification's
 * frontend half, an axios instance with retry installed as interceptors.
 *
 *     import { createApiClient, withRetry } from '@nop-platform/retry';
 *     const apiClient = createApiClient({ baseURL: '/api/v1' });
 *     const res = await apiClient.get('/assets/', { params: { page: 1, size: 100 } });
 */
export { createApiClient, withRetry, type ApiClientOptions, type RetryOptions, type RetryInfo } from './client.js';
export { createBudget, type Budget, type BudgetOptions } from './budget.js';
export { isRetryable, mayRepeat } from './condition.js';
export { backoffDelay, parseRetryAfter } from './delay.js';
export { reason, retryLine } from './log.js';
