import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MODEL_INDEX_TASK, type ModelIndexInput, modelIndexYaml } from '~/lib/model-index';

const input: ModelIndexInput = {
  model: 'my-model',
  benchmark: 'isekai-synth@3.1',
  revision: 'ab'.repeat(32),
  score: { value: 0.573414, name: "Accuracy on the board's ranked setting (LCL, strict scorer)" },
  perShot: [
    { policy: 'LCL', shots: 16, accuracy: 0.7 },
    { policy: 'LCL', shots: 2, accuracy: 0.5 },
    { policy: 'LCL', shots: 4, accuracy: null },
  ],
  scorer: 'strict',
  url: 'https://linkboard.example/submissions/7',
};

interface Parsed {
  'model-index': {
    name: unknown;
    results: {
      task: Record<string, unknown>;
      dataset: Record<string, unknown>;
      metrics: { type: unknown; value: unknown; name: unknown }[];
      source: Record<string, unknown>;
    }[];
  }[];
}

/** The block as a YAML reader reads it: 1.2 (the default), or 1.1 as PyYAML and the Hub do. */
const read = (text: string, version: '1.1' | '1.2' = '1.2') => parse(text, { version }) as Parsed;

describe('a result as a model-index block', () => {
  it('names the task, the benchmark version, the ranked score and a link back', () => {
    const text = modelIndexYaml(input);
    expect(text.startsWith('model-index:\n')).toBe(true);
    for (const version of ['1.1', '1.2'] as const) {
      const [entry] = read(text, version)['model-index'];
      expect(entry?.name).toBe('my-model');
      const [result] = entry?.results ?? [];
      expect(result?.task).toEqual(MODEL_INDEX_TASK);
      expect(result?.dataset).toEqual({
        name: 'isekai-synth@3.1',
        type: 'isekai-synth',
        // A string, though it reads as a number unquoted.
        config: '3.1',
        revision: 'ab'.repeat(32),
      });
      expect(result?.source).toEqual({
        name: 'linkboard',
        url: 'https://linkboard.example/submissions/7',
      });
      // The ranked score first, in percent; then each shot count's accuracy, in order of shots.
      expect(result?.metrics).toEqual([
        {
          type: 'accuracy',
          value: 57.34,
          name: "Accuracy on the board's ranked setting (LCL, strict scorer)",
        },
        { type: 'accuracy', value: 50, name: 'LCL 2-shot accuracy (strict scorer)' },
        { type: 'accuracy', value: 70, name: 'LCL 16-shot accuracy (strict scorer)' },
      ]);
    }
  });

  it('leaves out what it does not know: a revision, a shot count with no accuracy', () => {
    const [entry] = read(modelIndexYaml({ ...input, revision: null, perShot: [] }))['model-index'];
    expect(entry?.results[0]?.dataset).toEqual({
      name: 'isekai-synth@3.1',
      type: 'isekai-synth',
      config: '3.1',
    });
    expect(entry?.results[0]?.metrics).toHaveLength(1);
  });

  it('gives a ranked run its two policies, per shot count', () => {
    const ranked = modelIndexYaml({
      ...input,
      benchmark: 'isekai-synth-ranked@17',
      score: { value: 0.5, name: 'Ranked score' },
      perShot: [
        { policy: 'flip', shots: 2, accuracy: 0.25 },
        { policy: 'LCL', shots: 2, accuracy: 0.75 },
      ],
    });
    const [result] = read(ranked)['model-index'][0]?.results ?? [];
    expect(result?.dataset.name).toBe('isekai-synth-ranked@17');
    expect(result?.metrics.map((m) => [m.name, m.value])).toEqual([
      ['Ranked score', 50],
      ['LCL 2-shot accuracy (strict scorer)', 75],
      ['flip 2-shot accuracy (strict scorer)', 25],
    ]);
  });

  // Names typed by submitters (and kept from before the site's name rules): each reads back as
  // the same string, in YAML 1.2 and in 1.1, where `yes`, `on` and `null` read as other things.
  const hostile = [
    'he said "hi": yes',
    "it's: a model",
    'line one\nline two',
    'tab\there',
    '- not a list item',
    '# not a comment',
    '{ not: a map }',
    '[not, a, list]',
    '&anchor *alias !tag',
    '| > % @ `',
    '---',
    '...',
    'yes',
    'on',
    'null',
    '~',
    '0o17',
    '1e3',
    '3.1',
    '  padded  ',
    'back\\slash',
    'model-index:\n- name: injected',
    'Modèle 模型 🚀',
  ];

  it.each(hostile)('keeps a hostile model name as it is: %j', (model) => {
    const text = modelIndexYaml({ ...input, model, url: `https://x.example/s/1?q=${model}` });
    for (const version of ['1.1', '1.2'] as const) {
      const parsed = read(text, version)['model-index'];
      // One entry, whatever the name holds: nothing it says is read as YAML structure.
      expect(parsed).toHaveLength(1);
      expect(parsed[0]?.name).toBe(model);
      expect(parsed[0]?.results[0]?.source.url).toBe(`https://x.example/s/1?q=${model}`);
      expect(parsed[0]?.results[0]?.metrics[0]?.value).toBe(57.34);
    }
    // Each value on its line: a name's newline is written as an escape, not a line break.
    expect(text.split('\n')).toHaveLength(modelIndexYaml(input).split('\n').length);
  });

  it('quotes a hostile benchmark version and score description too', () => {
    const [entry] = read(
      modelIndexYaml({
        ...input,
        benchmark: 'odd: "name"@1.0',
        score: { value: 1, name: 'score: "all" # right' },
      }),
    )['model-index'];
    expect(entry?.results[0]?.dataset).toMatchObject({
      name: 'odd: "name"@1.0',
      type: 'odd: "name"',
      config: '1.0',
    });
    expect(entry?.results[0]?.metrics[0]).toEqual({
      type: 'accuracy',
      value: 100,
      name: 'score: "all" # right',
    });
  });
});
