// The end-to-end test's page: the package, bundled with axios by esbuild,
// calling the test server the page came from. It runs the scenario once,
// puts what it saw in window.__result; window.__unauthorized then meets a
// 401, whose default handler sends the browser to /login.
import { createApiClient } from '../../dist/index.js';

const apiClient = createApiClient({ baseURL: '/api/v1', retryDelay: 20, maxRetryDelay: 200 });

async function run() {
  const out = {};
  // The spec's usage: a connection that breaks, then a 503, then the assets.
  const res = await apiClient.get('/assets/', { params: { page: 1, size: 100 } });
  out.assets = res.data;
  // A POST that got a 503 may have done its work: not retried.
  out.post = await apiClient.post('/scans', { target: '10.0.0.0/24' }).then(
    (r) => r.status,
    (e) => e.response?.status,
  );
  // 429 with Retry-After: 3600, capped by maxRetryDelay (200ms).
  out.limited = (await apiClient.get('/limited')).status;
  window.__result = out;
}

// Called by the test once it has read the result.
window.__unauthorized = () => apiClient.get('/me').catch(() => {});

run().catch((e) => {
  window.__result = { error: String(e) };
});
