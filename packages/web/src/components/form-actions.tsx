import { Button, Group } from '@mantine/core';
import type { ReactNode } from 'react';

/** The foot of a modal's form: Cancel, then the submit button (spinning while `loading`). */
export function FormActions({ onCancel, submit, loading }: { onCancel: () => void; submit: ReactNode; loading: boolean }) {
  return (
    <Group justify="flex-end" gap="sm">
      <Button variant="default" onClick={onCancel}>Cancel</Button>
      <Button type="submit" loading={loading}>{submit}</Button>
    </Group>
  );
}
