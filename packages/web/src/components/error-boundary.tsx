import { Button, Center, EmptyState } from '@mantine/core';
import { IconRefresh } from '@tabler/icons-react';
import { Component, type ErrorInfo, type ReactNode } from 'react';

/**
 * Last line of defence: a render error or a route chunk that cannot be loaded (typically after
 * an upgrade replaced the hashed files) shows a way out instead of a blank page.
 */
export class AppErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error('Gatehouse UI error', error, info.componentStack);
  }

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    const chunk = /dynamically imported module|Importing a module script failed|Failed to fetch/i.test(error.message);
    return (
      <Center mih="70vh" px="md">
        <EmptyState
          icon={<IconRefresh size={28} stroke={1.6} />}
          withIndicatorBackground
          title={chunk ? 'Gatehouse was updated' : 'Something went wrong'}
          description={
            chunk
              ? 'A newer version of the admin UI is available. Reload the page to continue.'
              : 'The page hit an unexpected error. Reloading usually helps; if not, tell your administrator.'
          }
        >
          <EmptyState.Actions>
            <Button onClick={() => window.location.reload()}>Reload</Button>
          </EmptyState.Actions>
        </EmptyState>
      </Center>
    );
  }
}
