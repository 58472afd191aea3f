// DiagnoseCollector: a streamed analysis' diagnosis. Fed the flows one by one in any order it says
// what diagnose() says over the whole correlation, keeping whole only the flows a rule could cite;
// past its cap it counts the rest instead of holding them.
import { beforeAll, describe, expect, it } from 'vitest';
import { DiagnoseCollector, diagnose } from '../src/index.js';
import { loadScenario, type LoadedScenario, type ScenarioName } from './helpers/fixtures.js';

const SCENARIOS: ScenarioName[] = ['diagnostics', 'nodeport-masq', 'multinode-vxlan-skewed', 'clusterip'];

describe.each(SCENARIOS)('DiagnoseCollector on %s', (name) => {
  let loaded: LoadedScenario;
  beforeAll(async () => {
    loaded = await loadScenario(name);
  });

  const collect = (order: 'forward' | 'reversed', cap?: number) => {
    const { correlation, addressBook, dataplane, points } = loaded;
    const collector = new DiagnoseCollector({ addressBook, dataplane, captures: points }, cap);
    const flows = order === 'forward' ? correlation.flows : [...correlation.flows].reverse();
    for (const f of flows) collector.add(f);
    const { flows: _flows, ...summary } = correlation;
    return { findings: collector.finish(summary), notKept: collector.notKept };
  };

  it('finds what diagnose() finds, in whatever order the flows finish', () => {
    const whole = diagnose({ ...loaded, captures: loaded.points });
    const strip = (fs: typeof whole) =>
      fs.map((f) => ({ ...f, flows: [...f.flows].sort() })).sort((a, b) => a.title.localeCompare(b.title));
    expect(strip(collect('reversed').findings)).toEqual(strip(whole));
    expect(collect('forward').findings).toEqual(whole);
  });
});

describe('DiagnoseCollector: bounded evidence', () => {
  it('keeps at most its cap of flows and counts the rest', async () => {
    const loaded = await loadScenario('diagnostics');
    const { correlation, addressBook, dataplane, points } = loaded;
    const failed = correlation.flows.filter((f) => f.state !== 'CLOSED' && f.state !== 'ANSWERED');
    expect(failed.length).toBeGreaterThan(2);
    const collector = new DiagnoseCollector({ addressBook, dataplane, captures: points }, 2);
    for (const f of correlation.flows) collector.add(f);
    const { flows: _flows, ...summary } = correlation;
    const findings = collector.finish(summary);
    expect(collector.notKept).toBeGreaterThanOrEqual(failed.length - 2);
    const cited = new Set(findings.flatMap((f) => f.flows));
    const keptFailed = failed.filter((f) => cited.has(f.id));
    expect(keptFailed.length).toBeLessThanOrEqual(2);
  });
});
