import { Button, EmptyState } from '@mantine/core';
import { IconMapOff } from '@tabler/icons-react';
import { Link } from 'react-router';

export default function NotFoundPage() {
  return (
    <EmptyState
      py={64}
      icon={<IconMapOff size={28} stroke={1.6} />}
      withIndicatorBackground
      title="Page not found"
      description="The page you asked for does not exist."
    >
      <EmptyState.Actions>
        <Button component={Link} to="/">
          Go home
        </Button>
      </EmptyState.Actions>
    </EmptyState>
  );
}
