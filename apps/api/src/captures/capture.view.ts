import type { Capture } from '#persistence';

/** The REST shape of a capture. */
export function captureView(c: Capture) {
  return {
    id: c.id,
    fileName: c.fileName,
    sha256: c.sha256,
    size: Number(c.sizeBytes),
    format: c.format,
    compressed: c.compressed,
    linkTypes: c.linkTypes,
    packetCount: c.packetCount,
    capturePoint: {
      role: c.role,
      label: c.label,
      node: c.node,
      pod: c.podName ? `${c.podNamespace}/${c.podName}` : null,
    },
    createdAt: c.createdAt.toISOString(),
    links: { self: `/v1/captures/${c.id}`, download: `/v1/captures/${c.id}/download` },
  };
}
