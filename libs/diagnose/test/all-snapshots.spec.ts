// The lab's snapshot directories hold more than the rules that route traffic: an ipvsadm listing
// written for parser tests, the nft view of the same rules, every namespace's `ip addr`. Handed all
// of it (as `natlens analyze --snapshot DIR` does), healthy scenarios must still raise no alarm.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildAddressBook, buildDataplaneModel, parseSnapshot, type ParsedSnapshot } from '#cluster';
import { diagnose } from '../src/index.js';
import { FIXTURES, loadScenario, readText, type ScenarioName } from './helpers/fixtures.js';

function everySnapshot(dir: string): ParsedSnapshot[] {
  const out: ParsedSnapshot[] = [];
  for (const file of readdirSync(`${FIXTURES}${dir}/snapshot`).sort()) {
    try {
      out.push(parseSnapshot(readText(`${dir}/snapshot/${file}`), { name: file }));
    } catch {
      // Files of no snapshot format (bridge fdb) are skipped, as the CLI does.
    }
  }
  return out;
}

describe('every snapshot of the lab directory at once', () => {
  for (const name of ['clusterip', 'clusterip-routed', 'multinode-vxlan'] as ScenarioName[])
    it(`${name}: no warning or error`, async () => {
      const loaded = await loadScenario(name);
      const snapshots = everySnapshot(loaded.scenario.dir);
      expect(snapshots.map((s) => s.kind)).toEqual(
        expect.arrayContaining(['ipvsadm', 'iptables-save', 'nft']),
      );
      const findings = diagnose({
        correlation: loaded.correlation,
        addressBook: buildAddressBook(snapshots),
        dataplane: buildDataplaneModel(snapshots),
        captures: loaded.points,
      });
      expect(findings.filter((f) => f.severity !== 'info').map((f) => `${f.code}: ${f.title}`)).toEqual([]);
    });
});
