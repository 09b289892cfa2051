import { useEffect } from 'react';
import { PageHeader } from '../../components/page-header';
import { DatastoreList } from './datastore-list';

export default function DatastoresPage() {
  useEffect(() => {
    document.title = 'Datastores · Gatehouse';
  }, []);
  return (
    <>
      <PageHeader
        title="Datastores"
        description="The datastores you can reach with your role and teams; Editors and above add and change them. API clients see the same list at GET /api/datastores."
      />
      <DatastoreList manage />
    </>
  );
}
