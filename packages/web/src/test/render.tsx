import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { vi } from 'vitest';
import { AppProviders, makeQueryClient } from '../components/providers';

export interface MockRoute {
  method?: string;
  path: string | RegExp;
  status?: number;
  body?: unknown | ((req: { url: string; method: string; body: unknown }) => unknown);
  /** Resolve only when the test says so (to observe the in-flight state). */
  gate?: Promise<void>;
}

export interface RecordedCall {
  method: string;
  url: string;
  body: unknown;
}

/** Replaces `fetch` with a table of canned answers; unknown calls fail the test loudly. */
export function mockFetch(routes: MockRoute[]) {
  const calls: RecordedCall[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init?.method ?? 'GET').toUpperCase();
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    calls.push({ method, url, body });
    const path = url.replace(/^https?:\/\/[^/]+/, '');
    const route = [...routes]
      .reverse()
      .find(
        (r) =>
          (r.method ?? 'GET') === method &&
          (typeof r.path === 'string' ? r.path === path : r.path.test(path)),
      );
    if (!route) {
      return new Response(JSON.stringify({ detail: `unmocked ${method} ${path}`, code: 'TEST' }), {
        status: 599,
      });
    }
    if (route.gate) await route.gate;
    const payload = typeof route.body === 'function' ? route.body({ url: path, method, body }) : route.body;
    const status = route.status ?? 200;
    return new Response(status === 204 ? null : JSON.stringify(payload), {
      status,
      headers: { 'Content-Type': 'application/json' },
    });
  });
  vi.stubGlobal('fetch', fn);
  return { calls, fn, routes };
}

export function renderWithApp(ui: ReactElement, { route = '/' }: { route?: string } = {}) {
  const queryClient = makeQueryClient();
  queryClient.setDefaultOptions({ queries: { retry: false, staleTime: 0 } });
  return {
    queryClient,
    ...render(
      <AppProviders queryClient={queryClient} env="test">
        <MemoryRouter initialEntries={[route]}>
          <Routes>
            <Route path="*" element={ui} />
          </Routes>
        </MemoryRouter>
      </AppProviders>,
    ),
  };
}
