import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { AnalysesRepository, type AnalysisWithInputs } from '#persistence';
import type { Caller } from '../auth/auth.guard.js';
import { AnalysisQueue } from './analysis-queue.js';

export interface CreateAnalysisInput {
  name?: string | null;
  captures: string[];
  snapshots: string[];
}

const FINISHED = new Set(['SUCCEEDED', 'FAILED']);

@Injectable()
export class AnalysesService {
  constructor(
    private readonly analyses: AnalysesRepository,
    private readonly queue: AnalysisQueue,
  ) {}

  async create(caller: Caller, input: CreateAnalysisInput): Promise<AnalysisWithInputs> {
    const missing = await this.analyses.missingInputs(caller.projectId, input.captures, input.snapshots);
    if (missing.captures.length || missing.snapshots.length)
      throw new NotFoundException({
        code: 'NOT_FOUND',
        message: [
          missing.captures.length ? `no capture ${missing.captures.join(', ')} in this project` : '',
          missing.snapshots.length ? `no snapshot ${missing.snapshots.join(', ')} in this project` : '',
        ]
          .filter(Boolean)
          .join('; '),
      });
    const analysis = await this.analyses.create({
      projectId: caller.projectId,
      name: input.name,
      captureIds: input.captures,
      snapshotIds: input.snapshots,
    });
    await this.queue.enqueue(analysis.id, input.captures);
    return analysis;
  }

  async get(caller: Caller, id: string): Promise<AnalysisWithInputs> {
    const analysis = await this.analyses.find(caller.projectId, id);
    if (!analysis)
      throw new NotFoundException({ code: 'NOT_FOUND', message: `no analysis ${id} in this project` });
    return analysis;
  }

  /** Polls until the analysis finishes or `seconds` pass; returns it either way. */
  async waitFor(caller: Caller, id: string, seconds: number): Promise<AnalysisWithInputs> {
    const deadline = Date.now() + seconds * 1000;
    let analysis = await this.get(caller, id);
    while (!FINISHED.has(analysis.status) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      analysis = await this.get(caller, id);
    }
    return analysis;
  }

  async delete(caller: Caller, id: string): Promise<void> {
    if (!(await this.analyses.delete(caller.projectId, id)))
      throw new NotFoundException({ code: 'NOT_FOUND', message: `no analysis ${id} in this project` });
  }

  /** Runs a finished analysis again (new parser or correlator version); results are replaced. */
  async rerun(caller: Caller, id: string): Promise<AnalysisWithInputs> {
    const analysis = await this.get(caller, id);
    if (!(await this.analyses.requeue(caller.projectId, id)))
      throw new ConflictException({
        code: 'CONFLICT',
        message: `analysis ${id} is ${analysis.status}; wait for it to finish`,
      });
    await this.queue.enqueue(
      id,
      analysis.captures.map((c) => c.captureId),
      Date.now(),
    );
    return this.get(caller, id);
  }

  list(caller: Caller) {
    return this.analyses.list(caller.projectId);
  }
}
