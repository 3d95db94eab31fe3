'use client';

import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { type FormEvent, useRef, useState } from 'react';
import { useTRPC } from '~/trpc/react';
import { TestConnection } from './test-connection';

type Kind = 'endpoint' | 'serve' | 'predictions';

/** Submit a model: an OpenAI-compatible endpoint, a serve profile, or uploaded predictions. */
export function SubmitForm({ versions }: { versions: { id: number; label: string }[] }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [kind, setKind] = useState<Kind>('endpoint');
  const formRef = useRef<HTMLFormElement>(null);
  const readEndpoint = () => {
    const f = new FormData(formRef.current ?? undefined);
    const text = (name: string) => String(f.get(name) ?? '').trim() || undefined;
    return {
      benchmarkVersionId: Number(f.get('version')),
      endpoint: text('endpoint'),
      model: text('model'),
      apiKey: text('apiKey'),
    };
  };
  const create = useMutation(
    trpc.submissions.create.mutationOptions({
      onSuccess: ({ id }) => router.push(`/submissions/${id}`),
    }),
  );
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    const text = (name: string) => String(f.get(name) ?? '').trim() || undefined;
    const file = f.get('predictions');
    create.mutate({
      benchmarkVersionId: Number(f.get('version')),
      name: text('name') ?? '',
      organisation: text('organisation'),
      kind,
      endpoint: text('endpoint'),
      model: text('model'),
      apiKey: text('apiKey'),
      profile: text('profile'),
      predictions: file instanceof File && file.size > 0 ? await file.text() : undefined,
      shots: String(f.get('shots'))
        .split(',')
        .map((s) => Number(s.trim())),
      policies: f.getAll('policy').map(String) as ('lcl' | 'icl' | 'zero-shot')[],
      draws: Number(f.get('draws')) || 1,
      private: f.get('private') === 'on',
    });
  }
  return (
    <form
      ref={formRef}
      onSubmit={submit}
      className="card"
      style={{ maxWidth: 560, display: 'grid', gap: 10 }}
    >
      <label>
        Benchmark
        <select name="version">
          {versions.map((v) => (
            <option key={v.id} value={v.id}>
              {v.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Model name (as on the leaderboard) <input name="name" required maxLength={120} />
      </label>
      <label>
        Organisation <input name="organisation" maxLength={120} />
      </label>
      <fieldset style={{ border: 'none', padding: 0, display: 'flex', gap: 14 }}>
        {(['endpoint', 'serve', 'predictions'] as const).map((k) => (
          <label key={k} style={{ flexDirection: 'row', gap: 4 }}>
            <input
              type="radio"
              name="kind"
              value={k}
              checked={kind === k}
              onChange={() => setKind(k)}
            />{' '}
            {k === 'endpoint'
              ? 'OpenAI-compatible endpoint'
              : k === 'serve'
                ? 'serve profile (GPU)'
                : 'upload predictions'}
          </label>
        ))}
      </fieldset>
      {kind === 'endpoint' ? (
        <>
          <label>
            Endpoint URL <input name="endpoint" type="url" placeholder="https://…/v1" required />
          </label>
          <label>
            Model at the endpoint <input name="model" required />
          </label>
          <label>
            API key (stored encrypted, never shown again){' '}
            <input name="apiKey" type="password" autoComplete="off" />
          </label>
          <TestConnection read={readEndpoint} />
        </>
      ) : null}
      {kind === 'serve' ? (
        <>
          <label>
            Serve profile <input name="profile" placeholder="vllm" required />
          </label>
          <label>
            Model <input name="model" placeholder="Qwen/Qwen2-VL-7B-Instruct" required />
          </label>
        </>
      ) : null}
      {kind === 'predictions' ? (
        <label>
          Predictions JSONL (<code>{'{"episode_id","answer"}'}</code> for the episodes of{' '}
          <code>linkboard episodes</code>)
          <input name="predictions" type="file" accept=".jsonl,.json,.txt" required />
        </label>
      ) : null}
      <label>
        Shots <input name="shots" defaultValue="2,4,8,16" pattern="\d+(,\d+)*" />
      </label>
      <div style={{ display: 'flex', gap: 14 }}>
        {(['lcl', 'icl'] as const).map((p) => (
          <label key={p} style={{ flexDirection: 'row', gap: 4 }}>
            <input type="checkbox" name="policy" value={p} defaultChecked /> {p}
          </label>
        ))}
        <label style={{ flexDirection: 'row', gap: 4 }}>
          Draws{' '}
          <input
            name="draws"
            type="number"
            min={1}
            max={20}
            defaultValue={1}
            style={{ width: 60 }}
          />
        </label>
        <label style={{ flexDirection: 'row', gap: 4 }}>
          <input type="checkbox" name="private" /> private until I publish it
        </label>
      </div>
      <button type="submit" disabled={create.isPending}>
        {create.isPending ? 'Submitting…' : 'Submit'}
      </button>
      {create.error ? (
        <p role="alert" style={{ color: 'var(--bad)' }}>
          {create.error.message}
        </p>
      ) : null}
    </form>
  );
}
