import { Alert, Button, Group, Paper, SimpleGrid, Stack, Text, Textarea } from '@mantine/core';
import { IconAlertTriangle, IconCheck, IconCopy, IconDownload } from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import type { CreatedToken } from '../../api/types';
import { copyText, downloadText } from '../../lib/download';
import { formatDay } from '../../lib/format';
import { tokenFileName } from '../../lib/token-status';

function Fact({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600} lts={0.4}>
        {label}
      </Text>
      <Text size="sm" fw={500} truncate>
        {value}
      </Text>
    </div>
  );
}

/** The secret, shown once: monospace, Copy and Download, and the warning from the seed page. */
export function TokenReveal({ token }: { token: CreatedToken }) {
  const [copied, setCopied] = useState(false);
  const [copyError, setCopyError] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  const copy = async () => {
    try {
      await copyText(token.bearer_token);
      setCopyError(null);
      setCopied(true);
      clearTimeout(timer.current);
      timer.current = setTimeout(() => setCopied(false), 2_000);
    } catch {
      setCopyError('Copy failed: select the token and copy it by hand.');
    }
  };

  return (
    <Stack gap="md">
      <Alert
        variant="light"
        color="yellow"
        icon={<IconAlertTriangle size={18} />}
        title="Copy or download this token now"
      >
        You won't be able to see it again. Keep it confidential and store it in a password manager
        or an encrypted vault.
      </Alert>
      <Paper withBorder p="sm" radius="md" bg="var(--gh-page-bg)">
        <SimpleGrid cols={{ base: 2, xs: 4 }} spacing="sm">
          <Fact label="Name" value={token.name} />
          <Fact label="Type" value={token.type} />
          <Fact label="User" value={token.user.name} />
          <Fact label="Expires" value={token.expiration ? formatDay(token.expiration) : 'Never'} />
          {/* SPEC §11: shown only for a restricted token, so the seed's four facts stay as they were. */}
          {token.scopes ? <Fact label="Scopes" value={token.scopes.join(', ')} /> : null}
          {token.allowed_ips ? <Fact label="Allowed IPs" value={token.allowed_ips.join(', ')} /> : null}
        </SimpleGrid>
      </Paper>
      <Textarea
        label="Token"
        description="Send it as the header Authorization: Bearer <token>."
        value={token.bearer_token}
        readOnly
        autosize
        minRows={3}
        maxRows={8}
        classNames={{ input: 'gh-token-secret' }}
        onFocus={(e) => e.currentTarget.select()}
        spellCheck={false}
        data-testid="token-secret"
      />
      <Group gap="sm">
        <Button
          onClick={() => void copy()}
          leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
          aria-live="polite"
        >
          {copied ? 'Copied' : 'Copy'}
        </Button>
        <Button
          variant="default"
          leftSection={<IconDownload size={16} />}
          onClick={() => downloadText(tokenFileName(token.name), token.bearer_token)}
        >
          Download
        </Button>
        {copyError ? (
          <Text size="sm" c="red" role="alert">
            {copyError}
          </Text>
        ) : null}
      </Group>
    </Stack>
  );
}
