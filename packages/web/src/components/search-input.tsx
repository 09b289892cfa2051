import { Loader, TextInput } from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';

type Width = number | string | { base?: number | string; xs?: number | string };

/**
 * The search box above a list; `onChange` gets the text as typed. `busy` shows a spinner while
 * the list behind it is fetching; `w` overrides the default width (full width on small screens).
 */
export function SearchInput({ label, placeholder, value, onChange, busy, w = { base: '100%', xs: 300 } }: {
  label: string;
  placeholder: string;
  value: string;
  onChange: (text: string) => void;
  busy?: boolean;
  w?: Width;
}) {
  return (
    <TextInput
      aria-label={label}
      placeholder={placeholder}
      leftSection={<IconSearch size={16} />}
      rightSection={busy ? <Loader size={14} /> : undefined}
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
      w={w}
    />
  );
}
