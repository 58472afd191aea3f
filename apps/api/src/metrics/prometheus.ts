import { DURATION_BUCKETS } from '#platform';

/** Renders gauges and the shared counters in Prometheus' text exposition format (0.0.4). */
export function renderPrometheus(input: {
  analysesByStatus: Record<string, number>;
  queueJobs: Record<string, number>;
  counters: Record<string, number>;
}): string {
  const lines: string[] = [];
  const family = (name: string, type: string, help: string) =>
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);

  family('natlens_analyses', 'gauge', 'Analyses by status.');
  for (const status of ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED'])
    lines.push(`natlens_analyses{status="${status}"} ${input.analysesByStatus[status] ?? 0}`);

  family('natlens_queue_jobs', 'gauge', 'Jobs on the analysis queue by state.');
  for (const [state, count] of Object.entries(input.queueJobs))
    lines.push(`natlens_queue_jobs{state="${state}"} ${count}`);

  const c = input.counters;
  family(
    'natlens_packets_decoded_total',
    'counter',
    'Packets decoded by the workers (rate() gives packets per second).',
  );
  lines.push(`natlens_packets_decoded_total ${c.packets_decoded_total ?? 0}`);
  family('natlens_upload_bytes_total', 'counter', 'Bytes accepted by uploads, by kind.');
  for (const kind of ['capture', 'snapshot'])
    lines.push(`natlens_upload_bytes_total{kind="${kind}"} ${c[`upload_bytes_total|${kind}`] ?? 0}`);

  const stages = new Set(
    Object.keys(c)
      .filter((k) => k.startsWith('job_seconds_count|'))
      .map((k) => k.split('|')[1]),
  );
  family('natlens_jobs_total', 'counter', 'Pipeline jobs finished, by stage and outcome.');
  for (const stage of stages)
    for (const outcome of ['completed', 'failed'])
      lines.push(
        `natlens_jobs_total{stage="${stage}",outcome="${outcome}"} ${c[`jobs_total|${stage}|${outcome}`] ?? 0}`,
      );
  family('natlens_job_duration_seconds', 'histogram', 'Pipeline job durations by stage.');
  for (const stage of stages) {
    for (const le of DURATION_BUCKETS)
      lines.push(
        `natlens_job_duration_seconds_bucket{stage="${stage}",le="${le}"} ${c[`job_seconds_bucket|${stage}|${le}`] ?? 0}`,
      );
    const count = c[`job_seconds_count|${stage}`] ?? 0;
    lines.push(`natlens_job_duration_seconds_bucket{stage="${stage}",le="+Inf"} ${count}`);
    lines.push(`natlens_job_duration_seconds_sum{stage="${stage}"} ${c[`job_seconds_sum|${stage}`] ?? 0}`);
    lines.push(`natlens_job_duration_seconds_count{stage="${stage}"} ${count}`);
  }
  return `${lines.join('\n')}\n`;
}
