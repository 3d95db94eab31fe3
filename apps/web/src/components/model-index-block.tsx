/**
 * A submission's result as Hugging Face `model-index` metadata (`~/lib/model-index`), for its
 * owner to paste into the model's card: the Hub and the tools that read cards then show the
 * figure with a link back to the page it comes from.
 */
export function ModelIndexBlock({ yaml }: { yaml: string }) {
  return (
    <section data-testid="model-index" aria-labelledby="model-index-title">
      <h2 id="model-index-title">On a model card</h2>
      <p className="muted">
        This result as Hugging Face <code>model-index</code> metadata (accuracies in percent), to
        add to the YAML block at the top of the model card (<code>README.md</code>) on the Hub.
      </p>
      <pre data-testid="model-index-yaml">{yaml}</pre>
    </section>
  );
}
