import { type Provenance, ProvenanceError, readProvenance } from '@linkboard/core';
import { generationLabel, imageSizeLabel } from './run-settings';

/** A submission's provenance as its page shows it. */
export interface ProvenanceView {
  /** Typed (core's `readProvenance`); null when nothing is recorded yet or it does not read. */
  provenance: Provenance | null;
  /** Why it does not read, naming the fields; null when it reads. */
  problem: string | null;
  /** What the page prints: the typed provenance, or the row as stored when there is none. */
  shown: unknown;
  /** Replies that came with reasoning; null when the provenance does not read (not known). */
  reasoningAnswers: number | null;
}

/**
 * Reads a stored provenance for the page. One that does not read is shown as stored with what
 * is wrong, rather than failing the page: the rest of the submission does not depend on it.
 */
export function provenanceView(stored: unknown, submissionId: number): ProvenanceView {
  try {
    const provenance = readProvenance(stored, `submission ${submissionId}'s provenance`);
    return {
      provenance,
      problem: null,
      shown: provenance ?? stored,
      reasoningAnswers: provenance?.reasoningAnswers ?? 0,
    };
  } catch (error) {
    if (!(error instanceof ProvenanceError)) throw error;
    return { provenance: null, problem: error.message, shown: stored, reasoningAnswers: null };
  }
}

/** One line of a provenance's definition list: what it is, and its value as text. */
export interface ProvenanceField {
  term: string;
  detail: string;
  /** Shown as code (a hash, a URL, a seed formula): copied rather than read. */
  code?: boolean;
}

/**
 * A typed provenance as a definition list, in the order a reader checks a run: on what
 * (benchmark, manifest, episodes), how it was scored, what ran it, and what it asked. The page
 * shows this, with the record itself behind a toggle for whoever wants it whole.
 */
export function provenanceFields(p: Provenance): ProvenanceField[] {
  const fields: ProvenanceField[] = [
    { term: 'Benchmark', detail: `${p.benchmark.name}@${p.benchmark.version}` },
    { term: 'Manifest hash', detail: p.benchmark.manifestHash, code: true },
    { term: 'Shots', detail: p.shots.join(', ') },
    { term: 'Policies', detail: p.policies.join(', ') },
    { term: 'Draws', detail: String(p.draws) },
    { term: 'Episodes drawn by', detail: p.episodeSeed, code: true },
    {
      term: 'Scorers',
      // By name: a record read back from the database does not keep the order it was written in.
      detail: Object.entries(p.scorers)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([name, version]) => `${name} v${version}`)
        .join(', '),
    },
    {
      term: 'Runner',
      detail: `linkboard ${p.runner.version}${p.runner.commit ? ` (commit ${p.runner.commit})` : ''} on ${p.runner.host}, Node.js ${p.runner.node}${p.runnerToken ? `, runner token "${p.runnerToken}"` : ''}`,
    },
    { term: 'Adapter', detail: p.adapter },
  ];
  if (p.adapter === 'builtin') fields.push({ term: 'Baseline', detail: p.name });
  else if (p.adapter === 'predictions')
    fields.push({ term: 'Uploaded answers', detail: p.predictions.toLocaleString('en') });
  else {
    fields.push({ term: 'Model', detail: p.model });
    if (p.adapter === 'serve')
      fields.push({
        term: 'Served',
        detail: `profile ${p.profile} on GPU${p.gpus.length === 1 ? '' : 's'} ${p.gpus.join(', ') || 'none'}`,
      });
    else {
      fields.push({ term: 'Endpoint', detail: p.endpoint, code: true });
      fields.push({ term: 'Address', detail: p.address, code: true });
    }
    fields.push(
      { term: 'Generation', detail: p.generation ? generationLabel(p.generation) : 'not recorded' },
      { term: 'Images', detail: imageSizeLabel(p.maxImageSide) },
    );
  }
  if (p.reasoningAnswers !== undefined)
    fields.push({
      term: 'Replies with reasoning',
      detail: `${p.reasoningAnswers.toLocaleString('en')} (not scored)`,
    });
  return fields;
}
