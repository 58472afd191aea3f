// The kube-proxy ConfigMap (`kubectl -n kube-system get cm kube-proxy -o yaml|json`) or the
// KubeProxyConfiguration it carries in `data["config.conf"]`: which proxier runs decides which
// dataplane snapshot (iptables-save, ipvsadm, nft) is authoritative.
import { parse as parseYaml } from 'yaml';
import { LineError, ShapeError } from '../errors.js';
import type { KubeProxyConfig, Skipped } from '../types.js';
import { loadDocuments, withLines } from './document.js';
import { asObject, optBoolean, optObject, optString, type Obj, type Path } from './shape.js';

export function parseKubeProxyConfig(text: string): { data: KubeProxyConfig; skipped: Skipped[] } {
  const loaded = loadDocuments(text);
  if (loaded.docs.length === 0) throw new LineError(1, 'empty document: expected the kube-proxy ConfigMap');
  const data = withLines(loaded, 0, () => readKubeProxyConfig(asObject(loaded.docs[0], []), []));
  return { data, skipped: [] };
}

export function isKubeProxyConfigMap(o: Obj): boolean {
  const meta = o['metadata'] as Obj | undefined;
  const data = o['data'] as Obj | undefined;
  return (
    o['kind'] === 'ConfigMap' && meta?.['name'] === 'kube-proxy' && typeof data?.['config.conf'] === 'string'
  );
}

/** Accepts the ConfigMap or the bare KubeProxyConfiguration object. */
export function readKubeProxyConfig(o: Obj, path: Path): KubeProxyConfig {
  if (o['kind'] === 'ConfigMap') {
    const data = optObject(o, 'data', path) ?? {};
    const key = typeof data['config.conf'] === 'string' ? 'config.conf' : 'config';
    const raw = data[key];
    if (typeof raw !== 'string')
      throw new ShapeError([...path, 'data'], 'ConfigMap has no "config.conf" entry');
    let inner: unknown;
    try {
      inner = parseYaml(raw);
    } catch (err) {
      throw new ShapeError(
        [...path, 'data', key],
        `config.conf is not valid YAML: ${(err as Error).message.split('\n')[0]}`,
      );
    }
    return readConfiguration(asObject(inner, [...path, 'data', key]), [...path, 'data', key]);
  }
  return readConfiguration(o, path);
}

function readConfiguration(o: Obj, path: Path): KubeProxyConfig {
  const ipvs = optObject(o, 'ipvs', path) ?? {};
  const iptables = optObject(o, 'iptables', path) ?? {};
  const nftables = optObject(o, 'nftables', path) ?? {};
  const mode = optString(o, 'mode', path) || 'iptables';
  const masq =
    mode === 'nftables'
      ? optBoolean(nftables, 'masqueradeAll', [...path, 'nftables'])
      : optBoolean(iptables, 'masqueradeAll', [...path, 'iptables']);
  const addrs = o['nodePortAddresses'];
  return {
    mode,
    ipvsScheduler: optString(ipvs, 'scheduler', [...path, 'ipvs']) || (mode === 'ipvs' ? 'rr' : undefined),
    ipvsStrictARP: optBoolean(ipvs, 'strictARP', [...path, 'ipvs']),
    masqueradeAll: masq,
    clusterCIDR: optString(o, 'clusterCIDR', path) || undefined,
    nodePortAddresses: Array.isArray(addrs) ? addrs.map(String) : undefined,
    detectLocalMode: optString(o, 'detectLocalMode', path) || undefined,
  };
}
