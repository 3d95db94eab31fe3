import {
  DEFAULT_GENERATION,
  ENDPOINT_API_NAMES,
  ENDPOINT_APIS,
  GenerationInputSchema,
  isPolicyName,
  isScorerName,
  issueList,
  MIN_ANTHROPIC_THINKING_BUDGET,
  POLICY_NAMES,
  type PolicyName,
  type ScorerName,
  scorerNames,
  scorers,
  TOKEN_LIMIT_FIELDS,
  type TokenLimitField,
} from '@linkboard/core';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { z } from 'zod';
import { CliError } from './errors';

/** "2,4,8" → [2, 4, 8]: distinct non-negative integers, in the order given. */
export function parseShots(value: string): number[] {
  const shots = value.split(',').map((part) => part.trim());
  const out: number[] = [];
  for (const part of shots) {
    if (!/^\d+$/.test(part)) {
      throw new InvalidArgumentError(
        `"${part}" is not a shot count; give non-negative integers like 2,4,8,16`,
      );
    }
    const n = Number(part);
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

/** For `--policy` help: every policy, and what the flip control is. */
export const POLICY_HELP = `prompt policies: ${POLICY_NAMES.join(', ')} (flip: the lcl prompt with the pair's labels swapped, a control)`;

export function parsePolicies(value: string): PolicyName[] {
  const out: PolicyName[] = [];
  for (const part of value.split(',').map((p) => p.trim())) {
    if (!isPolicyName(part))
      throw new InvalidArgumentError(
        `unknown policy "${part}"; choose from ${POLICY_NAMES.join(', ')}`,
      );
    if (!out.includes(part)) out.push(part);
  }
  return out;
}

export function parseScorer(value: string): ScorerName {
  if (!isScorerName(value))
    throw new InvalidArgumentError(
      `unknown scorer "${value}"; choose ${scorerNames().join(' or ')}`,
    );
  return value;
}

/** The --scorer option's help: every registered scorer, with what it does. */
export function scorerHelp(): string {
  return `scorer: ${scorers()
    .map((s) => `${s.name} (${s.description})`)
    .join('; ')}`;
}

export function parsePositiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new InvalidArgumentError(`"${value}" is not a positive integer`);
  }
  return Number(value);
}

export function parseWholeNumber(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError(`"${value}" is not a whole number (0, 1, 2, …)`);
  }
  return Number(value);
}

/**
 * A secret named by a `--…-env` option (`--api-key-env`, `--token-env`): read from the process
 * environment, never from the command line (where `ps` and shell history would show it).
 */
export function secretFromEnv(
  secrets: Readonly<Record<string, string | undefined>>,
  option: string,
  variable: string,
): string {
  const value = secrets[variable];
  if (!value) throw new CliError(`${option} ${variable}: that environment variable is not set`);
  return value;
}

export function parseNonNegativeNumber(value: string): number {
  if (!/^\d+(\.\d+)?$/.test(value.trim()))
    throw new InvalidArgumentError(`"${value}" is not a non-negative number`);
  return Number(value);
}

/** `--max-tokens`, `--temperature`, `--token-limit-field`, `--thinking-budget`, as commander gives them. */
export interface GenerationFlags {
  maxTokens?: number;
  /** `none`: none sent (commander keeps no null: a parser's null comes back as ''). */
  temperature?: number | 'none';
  tokenLimitField?: TokenLimitField;
  thinkingBudget?: number | null;
}

/**
 * `--adapter`: the API an endpoint speaks, listed with each one's default endpoint. Whether it
 * was given (rather than defaulted) is the command's `getOptionValueSource('adapter')`.
 */
export function adapterOption(): Option {
  const apis = ENDPOINT_API_NAMES.map((api) => {
    const { title, defaultEndpoint } = ENDPOINT_APIS[api];
    return `${api} (${title}${defaultEndpoint ? `; default endpoint ${defaultEndpoint}` : ''})`;
  });
  return new Option('--adapter <api>', `the API the endpoint speaks: ${apis.join(', ')}`)
    .choices(ENDPOINT_API_NAMES)
    .default('openai');
}

/** `--temperature`: a number from 0, or `none` to send none (reasoning models refuse one). */
export function parseTemperature(value: string): number | 'none' {
  return value.trim().toLowerCase() === 'none' ? 'none' : parseNonNegativeNumber(value);
}

/** The generation options of `submit` and `eval`: absent, core's defaults (the official ones). */
export function addGenerationOptions(command: Command): Command {
  return command
    .option(
      '--max-tokens <n>',
      `new tokens the model may generate per answer (default ${DEFAULT_GENERATION.maxTokens}, the official LCL evaluation's)`,
      parsePositiveInt,
    )
    .option(
      '--temperature <t>',
      `sampling temperature, 0 to 2, or none to send none, the model's own (OpenAI's reasoning models and Claude's extended thinking take none) (default ${DEFAULT_GENERATION.temperature})`,
      parseTemperature,
    )
    .addOption(
      new Option(
        '--token-limit-field <field>',
        `the request field that carries the limit on an openai endpoint (default ${DEFAULT_GENERATION.tokenLimitField}; OpenAI's reasoning models take max_completion_tokens only)`,
      ).choices(TOKEN_LIMIT_FIELDS),
    )
    .option(
      '--thinking-budget <n>',
      `tokens the model may think before answering: Claude's extended thinking (at least ${MIN_ANTHROPIC_THINKING_BUDGET}, inside --max-tokens, with --temperature none) or Gemini's thinkingBudget (0 turns it off where the model allows); default: not sent`,
      parseWholeNumber,
    );
}

const GENERATION_OPTIONS = {
  maxTokens: '--max-tokens',
  temperature: '--temperature',
  tokenLimitField: '--token-limit-field',
  thinkingBudget: '--thinking-budget',
} as const;

/**
 * The generation settings the flags give, checked by core's schema (a bad value names its
 * option); `applies` false (uploads, built-in baselines) refuses any of them.
 */
export function generationFromFlags(
  flags: GenerationFlags,
  applies = true,
): z.output<typeof GenerationInputSchema> {
  const given = Object.entries(GENERATION_OPTIONS).filter(
    ([field]) => flags[field as keyof GenerationFlags] !== undefined,
  );
  if (!applies && given.length > 0)
    throw new CliError(
      `${given.map(([, option]) => option).join(', ')}: generation settings apply to --endpoint and --serve models only`,
    );
  const parsed = GenerationInputSchema.safeParse({
    maxTokens: flags.maxTokens,
    temperature: flags.temperature === 'none' ? null : flags.temperature,
    tokenLimitField: flags.tokenLimitField,
    thinkingBudget: flags.thinkingBudget,
  });
  if (!parsed.success) {
    let message = issueList(parsed.error);
    for (const [field, option] of Object.entries(GENERATION_OPTIONS))
      message = message.replaceAll(`field ${field}:`, `${option}:`);
    throw new CliError(message);
  }
  return parsed.data;
}
