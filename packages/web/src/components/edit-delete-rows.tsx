import { Menu } from '@mantine/core';
import { IconEdit, IconTrash } from '@tabler/icons-react';
import { useState, type ReactNode } from 'react';
import { withNotices } from '../lib/notices';
import { ConfirmModal } from './confirm-modal';
import type { RowMenu } from './data-table';

interface Named {
  id: number;
  name: string;
}

/** What a delete mutation (`useDeleteTeam()`, …) offers; `mutate` takes the row's id. */
interface DeleteMutation {
  isPending: boolean;
  mutate: (id: number, callbacks: ReturnType<typeof withNotices>) => void;
}

/**
 * The Edit / Delete ⋮ menu of a list's rows and the confirmation Delete asks for, worded from
 * `noun` ("Delete team", "Team Ops deleted", "Could not delete the team").
 * `menu` is undefined when the caller may not `manage`; render `confirm` once beside the table.
 */
export function useEditDeleteRows<T extends Named>({
  noun,
  manage,
  onEdit,
  remove,
  consequence,
  confirmLabel = 'Delete',
  kept,
}: {
  noun: string;
  manage: boolean;
  onEdit: (row: T) => void;
  remove: DeleteMutation;
  /** The sentence after "Delete the <noun> <name>?". */
  consequence: ReactNode;
  confirmLabel?: string;
  /** Rows that cannot be deleted (e.g. the Public team): their Delete is greyed out. */
  kept?: (row: T) => boolean;
}): { menu: RowMenu<T> | undefined; confirm: ReactNode } {
  const [deleting, setDeleting] = useState<T | null>(null);
  const Noun = noun.charAt(0).toUpperCase() + noun.slice(1);

  const menu: RowMenu<T> | undefined = manage
    ? {
        label: (row) => `Actions for ${noun} ${row.name}`,
        items: (row) => {
          const stays = kept?.(row) ?? false;
          return (
            <>
              <Menu.Item leftSection={<IconEdit size={16} />} onClick={() => onEdit(row)}>
                Edit
              </Menu.Item>
              <Menu.Item color="red" leftSection={<IconTrash size={16} />} disabled={stays} onClick={() => setDeleting(row)}>
                {stays ? `Delete (${row.name} stays)` : 'Delete'}
              </Menu.Item>
            </>
          );
        },
      }
    : undefined;

  const confirm = (
    <ConfirmModal
      opened={deleting !== null}
      title={`Delete ${noun}`}
      confirmLabel={confirmLabel}
      loading={remove.isPending}
      onClose={() => setDeleting(null)}
      onConfirm={() =>
        deleting && remove.mutate(deleting.id, withNotices(`${Noun} ${deleting.name} deleted`, `Could not delete the ${noun}`, () => setDeleting(null)))
      }
    >
      Delete the {noun} <b>{deleting?.name}</b>? {consequence}
    </ConfirmModal>
  );

  return { menu, confirm };
}
