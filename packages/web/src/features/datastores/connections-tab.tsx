import { PageHeader } from '../../components/page-header';
import { atLeast } from '../../lib/roles';
import { useSession } from '../auth/require-auth';
import { ConnectionList } from './connection-list';

export default function ConnectionsTab() {
  const me = useSession();
  return (
    <>
      <PageHeader
        order={2}
        title="Connections"
        description={
          atLeast(me.role, 'Editor')
            ? 'Where datastores connect: type, host and port. No credentials are stored.'
            : 'Where datastores connect. Editors and above can add and change them.'
        }
      />
      <ConnectionList />
    </>
  );
}
