import { Stack } from '@mantine/core';
import { Forbidden } from '../../components/states';
import { atLeast } from '../../lib/roles';
import { useSession } from '../auth/require-auth';
import { TeamsSection } from './teams-section';
import { UsersSection } from './users-section';

export default function SecurityTab() {
  const me = useSession();
  if (!atLeast(me.role, 'Manager')) {
    return (
      <Forbidden>
        Users, service accounts and teams are visible to Managers and Admins. Your role is {me.role}.
      </Forbidden>
    );
  }
  const isAdmin = me.role === 'Admin';
  return (
    <Stack gap="xl">
      <UsersSection isAdmin={isAdmin} meId={me.id} />
      <TeamsSection isAdmin={isAdmin} />
    </Stack>
  );
}
