// Compiled with tsc --noEmit against the built declarations (npm test): the
// public types read as the specification's examples do, and misuse fails.
import type { AxiosError, AxiosInstance } from 'axios';
import { createApiClient, createBudget, withRetry, type Budget, type RetryInfo } from '../dist/index.js';

const apiClient: AxiosInstance = createApiClient({
  baseURL: '/api/v1',
  timeout: 5000,
  retries: 3,
  onUnauthorized: (e: AxiosError) => void e.response?.status,
  log: (line: string, info: RetryInfo) => void [line, info.delay, info.reason],
  budget: createBudget({ burst: 10 }),
});

export async function specExamples(): Promise<boolean> {
  await apiClient.get('/assets/', { params: { page: 1, size: 100 } });
  const response = await apiClient.get<{ ok: boolean }>(
    '/special-endpoint',
    withRetry(
      { params: { q: 1 } },
      {
        retries: 5,
        retryDelay: 2000,
        maxRetryDelay: 30000,
        retryCondition: (error) => {
          return error.response?.status === 503;
        },
      },
    ),
  );
  // Per-request options also go straight into a config.
  await apiClient.post('/scans', {}, { headers: { 'Idempotency-Key': 'k' }, retry: { retries: 1 } });
  return response.data.ok;
}

const off: Budget | false = false;
createApiClient({ budget: off, log: false });

// @ts-expect-error retries is a number
withRetry({}, { retries: '5' });
// @ts-expect-error no such option
withRetry({}, { retry: 5 });
// @ts-expect-error retryCondition takes an AxiosError and returns a boolean
createApiClient({ retryCondition: (e: AxiosError) => e.code });
