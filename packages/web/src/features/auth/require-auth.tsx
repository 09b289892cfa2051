import { Center, Container } from '@mantine/core';
import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { isApiError } from '../../api/client';
import { useMe } from '../../api/hooks';
import type { Me } from '../../api/types';
import { ErrorState, PageLoader } from '../../components/states';

export function RequireAuth({ children }: { children: ReactNode }) {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <PageLoader label="Loading Gatehouse" />;
  if (me.isError) {
    if (isApiError(me.error) && me.error.status === 401) {
      const next = `${location.pathname}${location.search}`;
      const to = next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`;
      return <Navigate to={to} replace />;
    }
    return (
      <Center mih="100vh">
        <Container size="sm">
          <ErrorState error={me.error} onRetry={() => void me.refetch()} />
        </Container>
      </Center>
    );
  }
  return <>{children}</>;
}

/** The logged-in user; only call below {@link RequireAuth}. */
export function useSession(): Me {
  const me = useMe();
  if (!me.data) throw new Error('useSession() outside <RequireAuth>');
  return me.data;
}
