import { Pagination } from '@mantine/core';

/** Page controls under a list, with names screen readers announce ("Page 2", "next page"). */
export function ListPagination({ total, value, onChange }: { total: number; value: number; onChange: (page: number) => void }) {
  return (
    <Pagination
      total={total}
      value={value}
      onChange={onChange}
      size="sm"
      getItemProps={(p) => ({ 'aria-label': `Page ${p}` })}
      getControlProps={(control) => ({ 'aria-label': `${control} page` })}
    />
  );
}
