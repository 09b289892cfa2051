/**
 * The service account id the server derives from a name (SPEC §1): lowercase, spaces to
 * underscores, other special characters removed, suffix `@service`. Shown as a preview only;
 * the server's answer is the truth.
 */
export function serviceUserId(name: string): string {
  const slug = name
    .trim()
    .toLowerCase()
    .replace(/\s+/g, '_')
    .replace(/[^a-z0-9_]/g, '');
  return slug ? `${slug}@service` : '';
}
