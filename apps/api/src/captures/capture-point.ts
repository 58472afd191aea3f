import { BadRequestException } from '@nestjs/common';
import type { CaptureRole } from '#persistence';

export interface CapturePoint {
  role: CaptureRole;
  label: string;
  node: string | null;
  podNamespace: string | null;
  podName: string | null;
}

const ROLES: CaptureRole[] = ['client', 'node', 'backend', 'other'];

/** Where a capture was taken, from form fields or query parameters (DESIGN.md: capture point). */
export function parseCapturePoint(fields: Record<string, string>, fileName: string): CapturePoint {
  const role = (fields.role ?? 'other').toLowerCase() as CaptureRole;
  if (!ROLES.includes(role))
    throw new BadRequestException({
      code: 'BAD_REQUEST',
      message: `role=${fields.role}: expected one of ${ROLES.join(', ')}`,
    });
  let podNamespace: string | null = null;
  let podName: string | null = null;
  if (fields.pod) {
    const parts = fields.pod.split('/');
    if (parts.length > 2 || parts.some((p) => !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(p)))
      throw new BadRequestException({
        code: 'BAD_REQUEST',
        message: `pod=${fields.pod}: expected namespace/name (or a name in namespace default)`,
      });
    [podNamespace, podName] = parts.length === 2 ? parts : ['default', parts[0]];
  }
  const node = fields.node?.trim() || null;
  const label =
    fields.label?.trim() ||
    (podName ? `${role} ${podName}` : node ? `${role} ${node}` : `${role} ${fileName}`);
  if (label.length > 200)
    throw new BadRequestException({ code: 'BAD_REQUEST', message: 'label: at most 200 characters' });
  return { role, label, node, podNamespace, podName };
}
