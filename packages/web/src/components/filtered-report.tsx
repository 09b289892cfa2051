import { Button, Group, Paper } from '@mantine/core';
import { IconDownload } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { PageHeader } from './page-header';

/**
 * An Admin's report (Audit, Access review): the header with a CSV download of the rows the
 * `filters` select, then the filters above the rows (`children`) in one panel.
 */
export function FilteredReport({
  title,
  description,
  csvHref,
  csvLabel,
  filters,
  children,
}: {
  title: string;
  description: ReactNode;
  csvHref: string;
  csvLabel: string;
  filters: ReactNode;
  children: ReactNode;
}) {
  return (
    <>
      <PageHeader
        order={2}
        title={title}
        description={description}
        actions={
          <Button component="a" href={csvHref} download leftSection={<IconDownload size={16} />} variant="default">
            {csvLabel}
          </Button>
        }
      />
      <Paper withBorder radius="lg" bg="var(--gh-surface)">
        <Group p="md" gap="md" wrap="wrap" align="flex-end">
          {filters}
        </Group>
        {children}
      </Paper>
    </>
  );
}
