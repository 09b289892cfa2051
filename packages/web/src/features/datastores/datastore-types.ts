/** The kinds of datastore the forms offer (any other type the API holds is shown as it is). */
export const DATASTORE_TYPES = [
  { value: 'postgresql', label: 'PostgreSQL' },
  { value: 'mysql', label: 'MySQL' },
  { value: 'snowflake', label: 'Snowflake' },
  { value: 'bigquery', label: 'BigQuery' },
  { value: 'databricks', label: 'Databricks' },
  { value: 'redshift', label: 'Redshift' },
  { value: 'sqlserver', label: 'SQL Server' },
  { value: 'oracle', label: 'Oracle' },
  { value: 'athena', label: 'Athena' },
  { value: 's3', label: 'Amazon S3' },
];

export const typeLabel = (t: string) => DATASTORE_TYPES.find((d) => d.value === t)?.label ?? t;
