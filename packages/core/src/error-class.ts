/**
 * Why an episode or a job got no answer: one registry, read by the runner (whether a failed job is
 * tried again), the site (what a failed connection test tells its user) and the stored results.
 * `retryable`: another attempt later may succeed (the endpoint or the runner may recover).
 */
export const ERROR_CLASSES = {
  timeout: { retryable: true, meaning: 'the endpoint did not answer in time' },
  'rate-limited': { retryable: true, meaning: 'the endpoint is rate limiting (HTTP 429)' },
  'server-error': { retryable: true, meaning: 'the endpoint failed (HTTP 5xx)' },
  network: { retryable: true, meaning: 'could not connect to the endpoint' },
  'bad-response': {
    retryable: true,
    meaning: 'the reply is not a chat reply of the API the submission names',
  },
  'client-error': {
    retryable: false,
    meaning: 'the endpoint refused the request (check the URL, model name and key)',
  },
  'reasoning-exhausted': {
    retryable: false,
    meaning:
      'the model spent its whole token limit reasoning and gave no answer (raise max tokens or lower the thinking budget)',
  },
  aborted: { retryable: false, meaning: 'the request was stopped' },
  'missing-prediction': { retryable: false, meaning: 'the uploaded predictions have no answer' },
  'endpoint-refused': {
    retryable: false,
    meaning: 'the platform does not call that address',
  },
  'bad-config': {
    retryable: false,
    meaning: 'the submission’s adapter config does not parse',
  },
  'no-gpu': { retryable: true, meaning: 'no GPU was free for the model server' },
  'server-start': { retryable: true, meaning: 'the model server did not start' },
  'results-incomplete': {
    retryable: true,
    meaning: 'the job ended with episodes whose results were not stored',
  },
  'runner-error': { retryable: true, meaning: 'the runner failed while working the job' },
  'attempt-time-limit': {
    retryable: true,
    meaning: 'the attempt ran past its time limit; its answers are kept',
  },
  'preflight-failed': {
    retryable: false,
    meaning:
      'the endpoint refused or could not answer a request as large as the run’s largest episode (all its images), sent before any episode',
  },
  'endpoint-failing': {
    retryable: false,
    meaning:
      'the run’s first answers all failed the same way (refused, not JSON, unreachable): stopped rather than retried',
  },
  'cost-cap': {
    retryable: false,
    meaning: 'the run reached the cost cap it was given; the answers so far are kept',
  },
} as const satisfies Record<string, { retryable: boolean; meaning: string }>;

export type ErrorClass = keyof typeof ERROR_CLASSES;

export function isErrorClass(value: string): value is ErrorClass {
  return Object.hasOwn(ERROR_CLASSES, value);
}

/**
 * Failures that say the endpoint as configured cannot serve the run (it refused the request, its
 * reply is not the API's, nobody listens there): asking again later gets the same, so a run whose
 * first requests all fail this way stops at once (`preflight-failed`, `endpoint-failing`).
 * Timeouts, 429 and 5xx are not among them: those are waited out.
 */
export const SYSTEMATIC_ERROR_CLASSES: readonly ErrorClass[] = [
  'client-error',
  'bad-response',
  'network',
  'endpoint-refused',
];

export const isSystematic = (errorClass: string): boolean =>
  (SYSTEMATIC_ERROR_CLASSES as readonly string[]).includes(errorClass);

/** Whether another attempt may succeed; an unknown class is not retried. */
export function isRetryable(errorClass: string): boolean {
  return isErrorClass(errorClass) && ERROR_CLASSES[errorClass].retryable;
}

/** What the class means, in words a submitter can act on. */
export function errorMeaning(errorClass: string): string | null {
  return isErrorClass(errorClass) ? ERROR_CLASSES[errorClass].meaning : null;
}
