import { DEFAULT_RANKED_SETTING, EXPOSURE_ALPHA } from '@linkboard/core';
import type { Metadata } from 'next';
import Link from 'next/link';

export const metadata: Metadata = { title: 'About' };

/** The paper the protocol comes from, for whoever cites numbers from this board. */
const BIBTEX = `@inproceedings{tai2024linkcontext,
  title     = {Link-Context Learning for Multimodal {LLMs}},
  author    = {Tai, Yan and Fan, Weichen and Zhang, Zhao and Zhu, Feng and Zhao, Rui and Liu, Ziwei},
  booktitle = {Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)},
  year      = {2024},
  eprint    = {2308.07891},
  archivePrefix = {arXiv}
}`;

export default function AboutPage() {
  const ranked = DEFAULT_RANKED_SETTING;
  return (
    <article className="prose" data-testid="about">
      <h1>About linkboard</h1>
      <p className="lead">
        What the leaderboard measures, how an answer is judged, and how the numbers and their
        uncertainty are worked out.
      </p>

      <h2>The question</h2>
      <p>
        Can a multimodal model learn something it has never seen from a handful of examples in its
        prompt? Each test concept is invented: a familiar object with one made-up trait and a
        made-up name. Because the concept does not exist, the model cannot already know it; it can
        only get the answer right by using the examples it is shown.
      </p>

      <h2>The protocol: link-context learning</h2>
      <p>
        The setting follows Tai et al. (below). Every concept comes in a <em>pair</em>: the novel
        concept and the ordinary look-alike it was built from. An <em>episode</em> shows N example
        images, half of each concept, each labelled with its name, and then asks about one more
        image of either concept. The examples are linked to the question: they are framed as worked
        examples, and the final question says to answer from them. These causal links are what
        separates link-context learning from ordinary in-context learning, where examples only show
        the format of an answer.
      </p>
      <p>
        An episode can be asked in four ways (policies), all over the very same images in the same
        order:
      </p>
      <ul>
        <li>
          <b>lcl</b> — the paper’s prompts word for word: an instruction to find the relationship in
          the examples, each example marked as one, and a final question that refers back to them.
          This is the ranked policy.
        </li>
        <li>
          <b>icl</b> — the same images and labels without the instruction and the example markers:
          plain in-context learning.
        </li>
        <li>
          <b>zero-shot</b> — the question image alone, with both names offered as the choices, in a
          seeded order. It shows what a model does with no examples at all.
        </li>
        <li>
          <b>flip</b> (a control) — the lcl prompt with the two names swapped in every example, so
          each novel image is called by the familiar name and the other way round. The right answer
          is the name the examples gave. A model that learns from the examples follows the swap; a
          model that answers from what it already knows does not. Flip is never ranked.
        </li>
      </ul>
      <p>
        Which images an episode uses and their order are drawn by a generator seeded from the
        benchmark’s hash, the question image, the shot count and the draw, so every model gets
        identical episodes and any run can be repeated exactly.
      </p>

      <h2>Judging an answer: two scorers</h2>
      <p>
        Models answer in free text. Every answer is kept as it came back, and judged by each scorer,
        so a submission can be judged again without asking the model again.
      </p>
      <ul>
        <li>
          <b>official</b> keeps the paper’s rule so numbers can be set beside the paper’s. The
          expected name is cleaned up (lower case, no quotes, apostrophes or full stops) and must
          appear anywhere inside the raw answer, which is not cleaned. That has quirks, kept on
          purpose: an answer that capitalises the name fails, a longer word containing the name
          counts (“snowman” for “snow”), and a name with a full stop is looked for without it. The
          answer is also wrong if the other name of the pair is left once the expected name is taken
          out. Because it matches inside words, an answer that glues both names together can be
          credited.
        </li>
        <li>
          <b>strict</b> ranks the board. It ignores case, spacing and hyphens, matches whole words
          only, and <em>never</em> credits an answer that names both concepts of the pair, however
          they are written.
        </li>
      </ul>
      <p>
        Each wrong answer is also classified: it named the other concept (for a novel question, the
        model fell back on what it already knew), both, neither, nothing, or there was no answer at
        all (an error).
      </p>

      <h2>The ranked setting</h2>
      <p>
        Each benchmark version stores the setting its board ranks on: by default shots{' '}
        {ranked.shots.join(', ')} (those the version has enough images for), {ranked.draws} draws of
        examples per question, the {ranked.policy} policy and the {ranked.scorer} scorer. Only
        submissions that ran all of it are ranked, scored on exactly that part of what they ran; the
        rest are listed apart with the reason. Uploaded answers are marked self-reported and stay
        off the ranked board unless asked for.
      </p>

      <h2>Intervals, rank ranges and tiers</h2>
      <p>
        Answers about one pair are not independent: they share the same example images. So the unit
        of uncertainty is the pair, not the episode (a benchmark version can name another unit in
        its design: the concept, or the episode where every episode has a concept of its own).
      </p>
      <p>
        A board has 12 to 30 pairs, and with so few the usual shortcuts are too sure of themselves:
        a percentile bootstrap over pairs, or a normal interval around a cluster-robust standard
        error, both ignore that the spread itself is estimated from those few pairs. In 2,000
        simulated boards like ours (pairs of 32 to 64 answers, an intra-pair correlation of about
        0.09), the percentile bootstrap covered the true accuracy 90% of the time at 12 pairs and
        92% at 24, where it claims 95%. So every interval on the site (the headline, the per-shot
        bands of the charts, link gain, comparisons, the learning-curve slope, accuracy by trait) is
        one method: the cluster-robust standard error with the CR2 small-sample correction (Bell and
        McCaffrey: each pair’s residual weighed by its share of the answers), and Student’s t with
        one degree of freedom fewer than the pairs; an accuracy’s interval is drawn on the logit
        scale, where its sampling distribution is closer to symmetric, and so stays inside 0 to
        100%. The same simulation measures 94 to 95% coverage at 12 and 24 pairs, for an accuracy
        and for a difference of two models (<code>packages/core</code>’s coverage test prints both
        methods’ figures).
      </p>
      <p>
        The curve is the finding: whether accuracy rises with the shots. Each model’s slope is the
        least-squares line of its answers on log2 of the shots (points gained per doubling), with
        the same interval and a one-sided test of no gain; beside it, the area under the curve (the
        mean accuracy over the shot range, each doubling weighted alike) and the fewest shots at
        which it reached 60%.
      </p>
      <p>
        Ranks use a joint bootstrap: in each replicate the <em>same</em> resampled pairs are used
        for every model, and each model’s rank is 1 plus the number of models strictly more
        accurate. A model’s rank range is the middle 95% of its ranks. Going down the board in order
        of accuracy, a model whose best rank is worse than the current tier leader’s worst rank
        starts a new tier. Models in one tier cannot be told apart on this benchmark.
      </p>
      <p>
        The compare page pairs models on the episodes both answered: the difference comes with the
        same interval over pairs and its paired t test. With several models it tests every two of
        them, and shows p-values adjusted with Holm’s method, since among many comparisons some
        small p-values turn up by chance.
      </p>

      <h2>Link gain and the flip control</h2>
      <p>
        <b>Link gain</b> is lcl accuracy minus icl accuracy on the same episodes, with a
        cluster-robust interval: how much the causal framing helps over plain examples.{' '}
        <b>Flip accuracy</b> is the share of answers that follow swapped examples. A model can look
        good on lcl by recognising ordinary objects it already knows; only flip shows whether it
        actually takes the names from the examples.
      </p>

      <h2>The exposure check</h2>
      <p>
        A submission’s episodes are sent in a random order fixed by a seed stored with it. When it
        finishes, linkboard checks whether accuracy rises with how many episodes of the same pair
        the endpoint had already been sent (comparing answers to the same query at the same shot
        count and policy). A model that answers each episode only from its own examples cannot show
        that; an endpoint that remembers images across requests can. The p-value comes from the
        random order itself, and a one-sided p below {EXPOSURE_ALPHA} flags the submission on the
        board, its page and the API.
      </p>

      <h2>Public test sets, and the retired hidden split</h2>
      <p>
        A benchmark whose labels are public can be answered by lookup: isekai-synth is regenerated
        byte for byte from its published seed, and imported sets (ISEKAI, ImageNet-100) come with
        their labels. Such boards say “public test set”. Deployments used to draw one fixed hidden
        test split as well; a fixed secret set leaks a little of its answer key with every score
        asked of it, so it is retired: its board is kept as history and takes no more submissions.
        Ranked runs replaced it.
      </p>
      <h2 id="ranked">The ranked board: a fresh draw per run</h2>
      <p>
        A fixed secret set leaks a little with every run scored on it, and a task the query image
        alone can answer does not measure learning from context. So each ranked run is asked a draw
        of its own, made for it from a key this deployment keeps (32 random bytes; every choice in
        the draw is a keyed hash of the key, the run and what is chosen): one invented concept per
        episode (an object, a trait, a new name), and every look-alike image carries some other
        trait, so that no property of the question image tells its side. Half of each run’s episodes
        bind the two names the other way round (flip): the examples call the traited object by the
        familiar name and the others by the new one.
      </p>
      <p>
        <b>The score is the mean of lcl and flip accuracy.</b> An answer that does not read the
        examples is right on a flip episode exactly when it would be wrong on a like lcl one, so
        whatever it knows it scores 50%; only following the examples lifts the score above it. The
        board shows lcl accuracy beside it, but that is not the paper’s figure: its episodes are
        built differently (a concept of their own, distractor traits on both sides). A run shows a
        commitment to its draw’s seed from the start and reveals the seed when it ends, so anyone
        can regenerate its episodes with the public generator and re-score its answers (
        <code>linkboard verify</code>); the key itself is never revealed. Intervals are 95% for the
        mean of two independent proportions (each episode has a concept of its own), and ranks are
        ranges: a row is above another only where its interval lies wholly above.
      </p>
      <p>
        <b>Nothing is left to hide once an episode is answered.</b> A run’s episodes, their labels
        and its verdicts are shown as soon as its answer to each is stored (the label of an episode
        helps with no other: each is a concept of its own), and all of them when the run ends;
        before that an episode shows nothing to anyone, admins included. Runners on other hosts are
        handed each episode’s images and prompt, never its label, and the site scores what they
        send. Figures are exact everywhere.
      </p>
      <p>
        <b>One row per model.</b> The board pools every ranked run a model has ended, private ones
        and cancelled ones included (each is an independent draw, so pooling is sound): running
        again, or publishing only the best run, does not help, and a model’s row says how many runs
        it pools. Retries and re-runs count against the daily limit like new runs. Ranked runs are
        for participants, a role an admin grants; an operator may open them to every account. Ranked
        runs are compared with each other unpaired (they share no episode).
      </p>
      <h2>Benchmark versions</h2>
      <p>
        ISEKAI’s own images are under a non-commercial licence and cannot be fetched here, so the
        default benchmark, <b>isekai-synth</b>, draws its own invented concepts the same way. A
        version is the generator version and the seed; a seed and version fix every image.
      </p>
      <ul>
        <li>
          <b>v1</b> — the first generator: a framework of three pairs, used while the generator was
          built; it was never a ranked benchmark.
        </li>
        <li>
          <b>v2</b> — 24 pairs, 32 images per concept (8 of them questions), pose, size, place,
          colours, background, clutter, occlusion and noise varied alike within a pair, tuned so
          that a simple pixel baseline learns but does not solve it. The default until v3. An audit
          found two shortcuts: traits are large, in colours of their own, always in one place, and
          each novel name spells out its trait.
        </li>
        <li>
          <b>v3</b> — the harder set. Traits use the object’s own colours, vary in size and place,
          and come in four families (add-ons, shape, texture, count); three quarters of the familiar
          images carry some other trait, so “has something extra” is no clue; names are nonsense
          syllables by default. The pixel baseline drops to within a few points of chance. The
          default public board.
        </li>
      </ul>
      <p>
        v2 stays exactly what it was, so results on a board keep their benchmark. The bundled{' '}
        <b>ISEKAI sample</b> can be imported beside them.
      </p>

      <h2>Citing</h2>
      <p>The protocol and the ISEKAI idea are from:</p>
      <pre data-testid="bibtex">{BIBTEX}</pre>
      <p className="muted">
        Source and the full method: the repository’s README and its docs/ folder. Back to the{' '}
        <Link href="/">leaderboard</Link>.
      </p>
    </article>
  );
}
