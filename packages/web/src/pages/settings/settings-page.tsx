import { Tabs } from '@mantine/core';
import { IconClockShield, IconHistory, IconKey, IconListCheck, IconPlugConnected, IconShieldLock, IconWebhook } from '@tabler/icons-react';
import { Suspense, useEffect } from 'react';
import { Outlet, useLocation, useNavigate } from 'react-router';
import { PageHeader } from '../../components/page-header';
import { PageLoader } from '../../components/states';
import { useSession } from '../../features/auth/require-auth';
import { atLeast } from '../../lib/roles';

const TABS = [
  { value: 'connections', label: 'Connections', icon: IconPlugConnected, min: 'Member' },
  { value: 'security', label: 'Security', icon: IconShieldLock, min: 'Manager' },
  { value: 'tokens', label: 'Tokens', icon: IconKey, min: 'Member' },
  { value: 'access-review', label: 'Access review', icon: IconListCheck, min: 'Admin' },
  { value: 'audit', label: 'Audit', icon: IconHistory, min: 'Admin' },
  { value: 'policies', label: 'Policies', icon: IconClockShield, min: 'Admin' },
  { value: 'webhooks', label: 'Webhooks', icon: IconWebhook, min: 'Admin' },
] as const;

export default function SettingsPage() {
  const me = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const current = location.pathname.split('/')[2] ?? 'connections';
  const tabs = TABS.filter((t) => atLeast(me.role, t.min) || t.value === current);
  const label = TABS.find((t) => t.value === current)?.label ?? 'Settings';

  useEffect(() => {
    document.title = `${label} · Settings · Gatehouse`;
  }, [label]);

  return (
    <>
      <PageHeader
        title="Settings"
        description="Connections, people, service accounts and the API tokens they use."
      />
      <Tabs
        value={current}
        onChange={(v) => v && void navigate(`/settings/${v}`)}
        keepMounted={false}
        variant="default"
        activateTabWithKeyboard
      >
        <Tabs.List aria-label="Settings sections">
          {tabs.map(({ value, label: l, icon: Icon }) => (
            <Tabs.Tab key={value} value={value} leftSection={<Icon size={16} stroke={1.7} />} fw={500}>
              {l}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {tabs.map(({ value }) => (
          <Tabs.Panel key={value} value={value} pt="lg">
            {value === current ? (
              <Suspense fallback={<PageLoader />}>
                <Outlet />
              </Suspense>
            ) : null}
          </Tabs.Panel>
        ))}
      </Tabs>
    </>
  );
}
