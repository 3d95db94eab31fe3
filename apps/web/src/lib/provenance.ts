import { type Provenance, ProvenanceError, readProvenance } from '@linkboard/core';

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
