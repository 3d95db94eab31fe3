/**
 * Prompt policies: how an episode becomes the turns a model reads. Rendered provider-neutral
 * (image parts refer to image ids; adapters turn them into data URLs or files) and as flat text
 * for harnesses that take raw prompts.
 */

export const POLICY_NAMES = ['lcl', 'icl', 'zero-shot', 'flip'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export type ContentPart = { type: 'text'; text: string } | { type: 'image'; imageId: string };

export interface Message {
  role: 'system' | 'user' | 'assistant';
  content: ContentPart[];
}

export interface RenderedPrompt {
  messages: Message[];
  /** USER:/ASSISTANT: text with `<image>` where each image goes, ending with an open `ASSISTANT:`. */
  text: string;
}

export interface PromptInput {
  support: readonly { imageId: string; label: string }[];
  query: { imageId: string };
  /** The two labels of the pair, in the order a zero-shot question offers them. */
  candidates: readonly [string, string];
}

/** Where an image part goes inside a turn's text. */
export const IMAGE_TOKEN = '<image>';

// The official LCL strings (Tai et al., 2024; the ISEKAI 2-way evaluation policy), verbatim.
export const LCL_INSTRUCTION =
  'You should find the causal relationship between the examples I am going to show you. And use that to answer to the [FINAL QUESTION].';
export const LCL_SUPPORT_QUESTION = '[BEGIN EXAMPLE] What is in the image <image>?';
export const LCL_SUPPORT_ANSWER = 'there is "{label}" in the image. [END EXAMPLE]';
export const LCL_QUERY_QUESTION =
  '[FINAL QUESTION]: Based on the previous examples, what is in the image <image>?';

export const ICL_QUESTION = 'What is in the image? <image>';
export const ZERO_SHOT_QUESTION = 'What is in the image <image>? Is it "{a}" or "{b}"?';

export interface PolicySpec {
  name: PolicyName;
  /** How tables and pickers show it ("lcl" and "icl" are hard to tell apart in lower case). */
  shortTitle: string;
  /** With what it means, for pickers. */
  title: string;
  /**
   * A control, not a setting to rank on: `flip` measures whether a model follows the
   * demonstrations against what it already knows, so no benchmark version ranks by it.
   */
  control: boolean;
  /**
   * Each demonstration names the other concept of the pair, and the right answer is the label the
   * demonstrations gave the query's class (see `buildEpisode`).
   */
  swapsLabels: boolean;
  /** Why a shot count is refused, or null when the policy accepts it. */
  checkShots(shots: number): string | null;
  render(input: PromptInput): RenderedPrompt;
}

/**
 * A turn template split once at `<image>`, so that rendering (a hot path: hundreds of thousands
 * of episodes per run) only concatenates.
 */
function turnTemplate(role: 'user' | 'assistant', template: string) {
  const at = template.indexOf(IMAGE_TOKEN);
  const before = at < 0 ? template : template.slice(0, at);
  const after = at < 0 ? '' : template.slice(at + IMAGE_TOKEN.length);
  // Text parts are shared between episodes: rendered prompts are read-only data.
  const beforePart: ContentPart | null = before
    ? Object.freeze({ type: 'text', text: before })
    : null;
  const afterPart: ContentPart | null = after ? Object.freeze({ type: 'text', text: after }) : null;
  return (imageId: string): Message => {
    const image: ContentPart = { type: 'image', imageId };
    let content: ContentPart[];
    if (beforePart && afterPart) content = [beforePart, image, afterPart];
    else if (beforePart) content = [beforePart, image];
    else if (afterPart) content = [image, afterPart];
    else content = [image];
    return { role, content };
  };
}

const textTurn = (role: 'user' | 'assistant', text: string): Message => ({
  role,
  content: [{ type: 'text', text }],
});

function evenShots(shots: number): string | null {
  if (!Number.isInteger(shots) || shots < 2 || shots % 2 !== 0) {
    return `needs an even number of shots ≥ 2 (N/2 per class), got ${shots}; use the zero-shot policy for 0 shots`;
  }
  return null;
}

function demoPolicy(
  name: 'lcl' | 'icl' | 'flip',
  shortTitle: string,
  title: string,
  system: string | null,
  question: string,
  answer: string,
  queryQuestion: string,
): PolicySpec {
  const supportTurn = turnTemplate('user', question);
  const queryTurn = turnTemplate('user', queryQuestion);
  const [answerBefore, answerAfter] = answer.split('{label}') as [string, string];
  return {
    name,
    shortTitle,
    title,
    control: name === 'flip',
    swapsLabels: name === 'flip',
    checkShots: evenShots,
    render({ support, query }) {
      const messages: Message[] = [];
      let text = system ? `${system}\n` : '';
      if (system) messages.push({ role: 'system', content: [{ type: 'text', text: system }] });
      for (const item of support) {
        const reply = answerBefore + item.label + answerAfter;
        messages.push(supportTurn(item.imageId), textTurn('assistant', reply));
        text += `USER: ${question}\nASSISTANT: ${reply}\n`;
      }
      messages.push(queryTurn(query.imageId));
      text += `USER: ${queryQuestion}\nASSISTANT:`;
      return { messages, text };
    },
  };
}

export const POLICIES: Record<PolicyName, PolicySpec> = {
  lcl: demoPolicy(
    'lcl',
    'LCL',
    'LCL (causal links)',
    LCL_INSTRUCTION,
    LCL_SUPPORT_QUESTION,
    LCL_SUPPORT_ANSWER,
    LCL_QUERY_QUESTION,
  ),
  icl: demoPolicy('icl', 'ICL', 'ICL (plain)', null, ICL_QUESTION, '{label}', ICL_QUESTION),
  'zero-shot': {
    name: 'zero-shot',
    shortTitle: 'zero-shot',
    title: 'zero-shot (no demonstrations)',
    control: false,
    swapsLabels: false,
    checkShots: (shots) => (shots === 0 ? null : `takes 0 shots, got ${shots}`),
    render({ query, candidates }) {
      const question = ZERO_SHOT_QUESTION.replace('{a}', candidates[0]).replace(
        '{b}',
        candidates[1],
      );
      return {
        messages: [turnTemplate('user', question)(query.imageId)],
        text: `USER: ${question}\nASSISTANT:`,
      };
    },
  },
  // The label-flip control: the LCL prompt word for word, with the pair's two names swapped in
  // every demonstration. A model that learns from context answers with the swapped name; one that
  // answers from what it already knows names the true concept.
  flip: demoPolicy(
    'flip',
    'LCL-flip',
    'LCL with flipped labels (control)',
    LCL_INSTRUCTION,
    LCL_SUPPORT_QUESTION,
    LCL_SUPPORT_ANSWER,
    LCL_QUERY_QUESTION,
  ),
};

/** The policy the protocol is about: what a submission and the leaderboard use by default. */
export const DEFAULT_POLICY: PolicyName = 'lcl';

export function isPolicyName(value: string): value is PolicyName {
  return (POLICY_NAMES as readonly string[]).includes(value);
}

/**
 * Model names end up in a serve profile's command line: letters, digits and . _ - / : only, and
 * not starting with a dash (which a program would read as an option).
 */
export function isSafeModelName(model: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._\-/:]{0,199}$/.test(model);
}
