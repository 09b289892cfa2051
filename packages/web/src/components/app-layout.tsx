import {
  AppShell,
  Avatar,
  Badge,
  Box,
  Burger,
  Group,
  Menu,
  NavLink,
  Stack,
  Text,
  UnstyledButton,
  VisuallyHidden,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconChevronDown, IconDatabase, IconLogout, IconSettings } from '@tabler/icons-react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { ExpiringTokensBanner } from '../features/lifecycle/expiring-banner';
import { useLogout } from '../api/hooks';
import { useSession } from '../features/auth/require-auth';
import { Brand } from './brand';
import { ColorSchemeToggle } from './color-scheme-toggle';

const NAV = [
  { to: '/datastores', label: 'Datastores', icon: IconDatabase },
  { to: '/settings', label: 'Settings', icon: IconSettings },
] as const;

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] ?? '') + (parts.length > 1 ? (parts.at(-1)?.[0] ?? '') : '')).toUpperCase() || '?';
}

export default function AppLayout() {
  const me = useSession();
  const [opened, { toggle, close }] = useDisclosure();
  const location = useLocation();
  const navigate = useNavigate();
  const logout = useLogout();

  const doLogout = () =>
    logout.mutate(undefined, { onSettled: () => void navigate('/login', { replace: true }) });

  return (
    <AppShell
      header={{ height: 60 }}
      navbar={{ width: 232, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding={0}
    >
      <AppShell.Header px="md">
        <Group h="100%" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <UnstyledButton component={Link} to="/" aria-label="Gatehouse home">
              <Brand />
            </UnstyledButton>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <ColorSchemeToggle />
            <Menu position="bottom-end" width={240} shadow="md">
              <Menu.Target>
                <UnstyledButton px={6} py={4} style={{ borderRadius: 8 }}>
                  <Group gap={8} wrap="nowrap">
                    <Avatar size={32} radius="xl" color="brand" variant="light" aria-hidden>
                      {initials(me.name)}
                    </Avatar>
                    <Box visibleFrom="sm" style={{ lineHeight: 1.2 }}>
                      <Text size="sm" fw={600}>
                        {me.name}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {me.role}
                      </Text>
                    </Box>
                    <IconChevronDown size={14} aria-hidden />
                    <VisuallyHidden>Account menu</VisuallyHidden>
                  </Group>
                </UnstyledButton>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>
                  <Text size="xs" truncate>
                    {me.user_id}
                  </Text>
                </Menu.Label>
                <Menu.Item component={Link} to="/settings/tokens" leftSection={<IconSettings size={16} />}>
                  My tokens
                </Menu.Item>
                <Menu.Divider />
                <Menu.Item color="red" leftSection={<IconLogout size={16} />} onClick={doLogout}>
                  Log out
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>

      <AppShell.Navbar p="sm" aria-label="Main navigation">
        <Stack gap={4} style={{ flex: 1 }}>
          {NAV.map(({ to, label, icon: Icon }) => (
            <NavLink
              key={to}
              component={Link}
              to={to}
              label={label}
              leftSection={<Icon size={18} stroke={1.7} />}
              active={location.pathname === to || location.pathname.startsWith(`${to}/`)}
              aria-current={location.pathname.startsWith(to) ? 'page' : undefined}
              onClick={close}
              variant="light"
              style={{ borderRadius: 8 }}
              fw={500}
            />
          ))}
        </Stack>
        <Box px="xs" pt="sm" style={{ borderTop: '1px solid var(--gh-border)' }}>
          <Group gap={6}>
            <Text size="xs" c="dimmed">
              Signed in as
            </Text>
            <Badge variant="light" color="gray" size="xs">
              {me.role}
            </Badge>
          </Group>
          <Text size="xs" fw={500} truncate mt={2}>
            {me.user_id}
          </Text>
        </Box>
      </AppShell.Navbar>

      <AppShell.Main bg="var(--gh-page-bg)">
        <Box px={{ base: 'md', sm: 32 }} py={{ base: 'md', sm: 28 }} maw={1280}>
          <ExpiringTokensBanner />
          <Outlet />
        </Box>
      </AppShell.Main>
    </AppShell>
  );
}
