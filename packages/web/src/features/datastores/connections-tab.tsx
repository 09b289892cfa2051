import { PageHeader } from '../../components/page-header';
import { atLeast } from '../../lib/roles';
import { useSession } from '../auth/require-auth';
import { DatastoreList } from './datastore-list';

export default function ConnectionsTab() {
  const me = useSession();
  return (
    <>
      <PageHeader
        order={2}
        title="Connections"
        description={
          atLeast(me.role, 'Editor')
            ? 'Datastore connections and the teams that may use them.'
            : 'Datastore connections shared with your teams. Editors and above can add and change them.'
        }
      />
      <DatastoreList manage />
    </>
  );
}
