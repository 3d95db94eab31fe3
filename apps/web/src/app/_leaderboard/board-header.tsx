import { POLICIES } from '@linkboard/core';
import { PublicTestSetNote, RetiredVersionNote } from '~/components/test-set-notes';
import type { BoardVersion } from './board-state';

/** The board's title and what it ranks on: the version, its pairs and its ranked setting. */
export function BoardHeader({ version }: { version: BoardVersion }) {
  const setting = version.rankedSetting;
  return (
    <>
      <h1>Which model learns unseen concepts best?</h1>
      <p className="lead" data-testid="ranked-setting">
        {version.name}@{version.version} · {version.pairs} pairs of a novel concept and its familiar
        look-alike · ranked on {setting.shots.join(', ')} shots × {setting.draws} draws,{' '}
        {POLICIES[setting.policy].shortTitle}, scored <b>{setting.scorer}</b>; accuracy with 95%
        intervals that resample pairs, and rank ranges. <a href="#method">How the board ranks</a>
      </p>
      {version.retired ? <RetiredVersionNote /> : <PublicTestSetNote />}
    </>
  );
}
