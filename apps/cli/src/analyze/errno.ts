// File errors as a person reads them: "no such file" rather than ENOENT.
const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent is not a directory',
  EPERM: 'operation not permitted',
};

export function reason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return (e?.code && REASONS[e.code]) ?? e?.code ?? String(error);
}
