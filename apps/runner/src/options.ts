import {
  isPolicyName,
  isScorerName,
  type PolicyName,
  type ScorerName,
  scorerNames,
  scorers,
} from '@linkboard/core';
import { InvalidArgumentError } from 'commander';
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

export function parsePolicies(value: string): PolicyName[] {
  const out: PolicyName[] = [];
  for (const part of value.split(',').map((p) => p.trim())) {
    if (!isPolicyName(part))
      throw new InvalidArgumentError(`unknown policy "${part}"; choose from lcl, icl, zero-shot`);
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
