import { describe, expect, it } from 'vitest';
import { POLICIES } from '../src';

const support = [
  { imageId: 'img-a', label: 'cactihog' },
  { imageId: 'img-b', label: 'hedgehog' },
];
const input = {
  support,
  query: { imageId: 'img-q' },
  candidates: ['cactihog', 'hedgehog'] as const,
};

describe('lcl policy (golden: the official LCL strings, verbatim)', () => {
  const prompt = POLICIES.lcl.render(input);

  it('renders the chat messages with the image parts where <image> stands', () => {
    expect(prompt.messages).toEqual([
      {
        role: 'system',
        content: [
          {
            type: 'text',
            text: 'You should find the causal relationship between the examples I am going to show you. And use that to answer to the [FINAL QUESTION].',
          },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'text', text: '[BEGIN EXAMPLE] What is in the image ' },
          { type: 'image', imageId: 'img-a' },
          { type: 'text', text: '?' },
        ],
      },
      {
        role: 'assistant',
        content: [{ type: 'text', text: 'there is "cactihog" in the image. [END EXAMPLE]' }],
      },
      {
        role: 'user',
        content: [
          { type: 'text', text: '[BEGIN EXAMPLE] What is in the image ' },
          { type: 'image', imageId: 'img-b' },
          { type: 'text', text: '?' },
        ],
      },
      {
        role: 'assistant',
        content: [{ type: 'text', text: 'there is "hedgehog" in the image. [END EXAMPLE]' }],
      },
      {
        role: 'user',
        content: [
          {
            type: 'text',
            text: '[FINAL QUESTION]: Based on the previous examples, what is in the image ',
          },
          { type: 'image', imageId: 'img-q' },
          { type: 'text', text: '?' },
        ],
      },
    ]);
  });

  it('renders the flat text form, USER:/ASSISTANT: separated and open for the answer', () => {
    expect(prompt.text).toBe(
      [
        'You should find the causal relationship between the examples I am going to show you. And use that to answer to the [FINAL QUESTION].',
        'USER: [BEGIN EXAMPLE] What is in the image <image>?',
        'ASSISTANT: there is "cactihog" in the image. [END EXAMPLE]',
        'USER: [BEGIN EXAMPLE] What is in the image <image>?',
        'ASSISTANT: there is "hedgehog" in the image. [END EXAMPLE]',
        'USER: [FINAL QUESTION]: Based on the previous examples, what is in the image <image>?',
        'ASSISTANT:',
      ].join('\n'),
    );
  });
});

describe('icl policy', () => {
  const prompt = POLICIES.icl.render(input);
  it('shows the same demos without the causal instruction or example markers', () => {
    expect(prompt.messages.map((m) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
      'user',
    ]);
    expect(prompt.messages[0]?.content).toEqual([
      { type: 'text', text: 'What is in the image? ' },
      { type: 'image', imageId: 'img-a' },
    ]);
    expect(prompt.messages[1]?.content).toEqual([{ type: 'text', text: 'cactihog' }]);
    expect(prompt.text).not.toMatch(/EXAMPLE|causal/);
    expect(prompt.text.split('\n').at(-2)).toBe('USER: What is in the image? <image>');
  });
});

describe('zero-shot policy', () => {
  it('asks about the query alone and names both candidates in the given order', () => {
    const prompt = POLICIES['zero-shot'].render({ ...input, support: [] });
    expect(prompt.messages).toHaveLength(1);
    expect(prompt.text).toBe(
      'USER: What is in the image <image>? Is it "cactihog" or "hedgehog"?\nASSISTANT:',
    );
  });
});

describe('flip policy (the label-flip control)', () => {
  it('is the lcl prompt word for word: only the labels it is given differ', () => {
    expect(POLICIES.flip.render(input)).toEqual(POLICIES.lcl.render(input));
  });

  it('is a control that swaps labels, named apart from LCL; no other policy is either', () => {
    expect(POLICIES.flip).toMatchObject({ control: true, swapsLabels: true });
    expect(POLICIES.flip.shortTitle).not.toBe(POLICIES.lcl.shortTitle);
    for (const name of ['lcl', 'icl', 'zero-shot'] as const) {
      expect(POLICIES[name]).toMatchObject({ control: false, swapsLabels: false });
    }
  });
});

describe('shot counts', () => {
  it.each([
    ['lcl', 2, true, 'the smallest 2-way episode'],
    ['lcl', 16, true, 'the paper’s largest'],
    ['lcl', 3, false, 'odd: cannot split N/2 per class'],
    ['lcl', 0, false, 'zero-shot is its own policy'],
    ['icl', 4, true, 'same rule as lcl'],
    ['flip', 2, true, 'same rule as lcl'],
    ['flip', 3, false, 'odd: cannot swap N/2 per class'],
    ['zero-shot', 0, true, 'the query alone'],
    ['zero-shot', 2, false, 'zero-shot shows no demos'],
  ] as const)('%s with %i shots accepted: %s (%s)', (policy, shots, ok, _why) => {
    expect(POLICIES[policy].checkShots(shots) === null).toBe(ok);
  });
});
