import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useState } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation, useNavigate } from 'react-router';
import { setUnauthorizedHandler } from './api/client';
import { AppErrorBoundary } from './components/error-boundary';
import { AppProviders, makeQueryClient } from './components/providers';
import { PageLoader } from './components/states';
import { RequireAuth } from './features/auth/require-auth';

// Pages are split so that the first paint (login or shell) ships only what it needs.
const LoginPage = lazy(() => import('./features/auth/login-page'));
const SetupPage = lazy(() => import('./features/auth/setup-page'));
const AppLayout = lazy(() => import('./components/app-layout'));
const DatastoresPage = lazy(() => import('./features/datastores/datastores-page'));
const SettingsPage = lazy(() => import('./pages/settings/settings-page'));
const ConnectionsTab = lazy(() => import('./features/datastores/connections-tab'));
const SecurityTab = lazy(() => import('./features/security/security-tab'));
const TokensTab = lazy(() => import('./features/tokens/tokens-tab'));
const TokenPage = lazy(() => import('./features/usage/token-page'));
const AccessReviewTab = lazy(() => import('./features/usage/access-review-tab'));
const AuditTab = lazy(() => import('./features/usage/audit-tab'));
const PoliciesTab = lazy(() => import('./features/lifecycle/policies-tab'));
const WebhooksTab = lazy(() => import('./features/lifecycle/webhooks-tab'));
const NotFoundPage = lazy(() => import('./pages/not-found-page'));

/** A 401 from any call ends the session in the UI: back to login, then back here. */
function UnauthorizedRedirect() {
  const navigate = useNavigate();
  const location = useLocation();
  const qc = useQueryClient();
  useEffect(() => {
    setUnauthorizedHandler(() => {
      if (location.pathname === '/login' || location.pathname === '/setup') return;
      qc.clear();
      const next = `${location.pathname}${location.search}`;
      void navigate(`/login?next=${encodeURIComponent(next)}&expired=1`, { replace: true });
    });
    return () => setUnauthorizedHandler(null);
  }, [navigate, location, qc]);
  return null;
}

export function AppRoutes() {
  return (
    <Suspense fallback={<PageLoader />}>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route path="/setup" element={<SetupPage />} />
        <Route
          element={
            <RequireAuth>
              <AppLayout />
            </RequireAuth>
          }
        >
          <Route index element={<Navigate to="/datastores" replace />} />
          <Route path="datastores" element={<DatastoresPage />} />
          <Route path="settings" element={<SettingsPage />}>
            <Route index element={<Navigate to="connections" replace />} />
            <Route path="connections" element={<ConnectionsTab />} />
            <Route path="security" element={<SecurityTab />} />
            <Route path="tokens" element={<TokensTab />} />
            <Route path="tokens/:id" element={<TokenPage />} />
            <Route path="access-review" element={<AccessReviewTab />} />
            <Route path="audit" element={<AuditTab />} />
            <Route path="policies" element={<PoliciesTab />} />
            <Route path="webhooks" element={<WebhooksTab />} />
          </Route>
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </Suspense>
  );
}

export function App() {
  const [queryClient] = useState(makeQueryClient);
  return (
    <AppProviders queryClient={queryClient}>
      <BrowserRouter>
        <UnauthorizedRedirect />
        <AppErrorBoundary>
          <AppRoutes />
        </AppErrorBoundary>
      </BrowserRouter>
    </AppProviders>
  );
}
