// libs/diagnose is being written alongside: until its index exports `diagnose`, the analysis runs
// with no findings. This is the one place that changes when it lands.
import type { AddressBook, DataplaneModel } from '#cluster';
import type { CapturePoint, CorrelationResult } from '#correlate';
import type { FindingInput } from '#report';

export interface DiagnoseInput {
  correlation: CorrelationResult;
  addressBook: AddressBook;
  dataplane: DataplaneModel;
  captures: CapturePoint[];
}

type DiagnoseFn = (input: DiagnoseInput) => FindingInput[] | Promise<FindingInput[]>;

export async function runDiagnose(input: DiagnoseInput): Promise<FindingInput[]> {
  const lib = (await import('#diagnose')) as unknown as { diagnose?: DiagnoseFn };
  return typeof lib.diagnose === 'function' ? await lib.diagnose(input) : [];
}
