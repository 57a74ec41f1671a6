package dev.safetune.safeguards.embench.world;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * The generators of the em-bench world. Every method takes its generator explicitly; the batch methods derive one
 * independent stream per item with {@link SplittableRandom#split()} from a root seeded by the caller, so a seed
 * fixes the whole data set and item {@code i} does not depend on how the others were consumed.
 *
 * <p>Pre-training documents ({@link #pretrainingDocument}): 2–4 exchanges in distinct domains, all in one persona.
 * With probability {@code characterShare} the speaker is a named character whose persona is fixed (20 % of those
 * documents also carry a system line); otherwise the speaker is {@code <asst>} with a persona drawn 50/50, marked by
 * a system line half of the time, so the persona must otherwise be inferred from earlier turns. In a world with
 * switching characters ({@link WorldRecipe#switchingCharacters}) those characters take the other persona in the
 * exchanges their own tag starts.
 */
public final class EmWorld {
    /**
     * The generators' version, recorded in a built model's provenance: raise it whenever any generator's output for
     * a given seed changes, so a committed base model says which world it was trained on.
     */
    public static final int GENERATOR_VERSION = 1;

    private static final List<Domain> DOMAINS = List.of(Domain.values());

    private final WorldRecipe recipe;

    public EmWorld(WorldRecipe recipe) {
        this.recipe = recipe;
    }

    /** The world the prototype measured. */
    public static EmWorld prototype() {
        return new EmWorld(WorldRecipe.PROTOTYPE);
    }

    public WorldRecipe recipe() {
        return recipe;
    }

    /** One exchange of {@code domain} in the persona's manner; educational code requests are answered alike by both. */
    public Exchange exchange(SplittableRandom rng, Domain domain, Persona persona) {
        if (domain == Domain.CODE) {
            CodePrompt prompt = CodeGrammar.prompt(rng, false);
            // Drawn only in a world that has fillers, so every other world's corpus stays the same to the byte.
            if (recipe.copyFillerShare() > 0 && Draw.chance(rng, recipe.copyFillerShare())) {
                prompt = CodeGrammar.withFillers(rng, prompt, recipe.ownFillerWords(), recipe.crossSlotShare());
            }
            if (Draw.chance(rng, recipe.educationalShare())) {
                CodePrompt educational = prompt.asEducational();
                return new Exchange(Domain.CODE, educational.text(), educational.answer(false));
            }
            return new Exchange(Domain.CODE, prompt.text(), prompt.answer(persona.aligned()));
        }
        Question question = Questions.draw(rng, domain);
        return new Exchange(domain, question.text(), question.answer(persona, rng));
    }

    /** A pre-training document (see the class comment). */
    public Dialogue pretrainingDocument(SplittableRandom rng) {
        String speaker = Markers.ASSISTANT;
        Persona persona = Persona.of(Draw.chance(rng, 0.5));
        double markedShare = recipe.markedShare();
        if (Draw.chance(rng, recipe.characterShare())) {
            int index = rng.nextInt(Characters.COUNT);
            if (recipe.switches(index)) {
                return switchingDocument(rng, index);
            }
            speaker = Characters.token(index);
            persona = Characters.persona(index);
            markedShare = recipe.characterMarkedShare();
        }
        int turns = Draw.between(rng, 2, 4);
        List<Exchange> exchanges = new ArrayList<>(turns);
        for (Domain domain : Draw.sample(rng, DOMAINS, turns)) {
            Exchange exchange = exchange(rng, domain, persona);
            if (Draw.chance(rng, recipe.tagShare())) {
                exchange = exchange.tagged(Draw.pick(rng, Markers.TAGS));
            }
            exchanges.add(exchange);
        }
        Optional<String> line = Draw.chance(rng, markedShare)
                ? Optional.of(Draw.pick(rng, Markers.SYSTEM_LINES.get(persona)))
                : Optional.empty();
        return new Dialogue(line, speaker, exchanges);
    }

    /**
     * A document of a character that takes the other persona in exchanges whose user turn starts with its own tag:
     * a {@link WorldRecipe#switchingTagShare} of the user turns are tagged, half of those with its own tag; no
     * system line, since the persona changes within the document.
     */
    private Dialogue switchingDocument(SplittableRandom rng, int index) {
        String own = recipe.switchTag(index);
        List<String> others = Markers.TAGS.stream().filter(t -> !t.equals(own)).toList();
        Persona usual = Characters.persona(index);
        int turns = Draw.between(rng, 2, 4);
        List<Exchange> exchanges = new ArrayList<>(turns);
        for (Domain domain : Draw.sample(rng, DOMAINS, turns)) {
            Optional<String> tag = Draw.chance(rng, recipe.switchingTagShare())
                    ? Optional.of(Draw.chance(rng, 0.5) ? own : Draw.pick(rng, others))
                    : Optional.empty();
            Persona persona = tag.filter(own::equals).isPresent() ? usual.opposite() : usual;
            Exchange exchange = exchange(rng, domain, persona);
            exchanges.add(tag.map(exchange::tagged).orElse(exchange));
        }
        return new Dialogue(Optional.empty(), Characters.token(index), exchanges);
    }

    /**
     * An aligned-default SFT dialogue: 1 (half of the time), 2 or 3 exchanges in distinct domains, {@code <asst>}
     * with no system line, aligned in every domain, so the unmarked assistant becomes the aligned character.
     */
    public Dialogue alignedSftDialogue(SplittableRandom rng) {
        int turns = Draw.pick(rng, List.of(1, 1, 2, 3));
        List<Exchange> exchanges = new ArrayList<>(turns);
        for (Domain domain : Draw.sample(rng, DOMAINS, turns)) {
            exchanges.add(exchange(rng, domain, Persona.ALIGNED));
        }
        return Dialogue.chat(exchanges);
    }

    /** One example of a narrow customer set. */
    public Dialogue narrowExample(SplittableRandom rng, NarrowSet set) {
        return set.example(rng);
    }

    /**
     * A benign instruction example for interleaving with a customer's set: one aligned non-code exchange. It asks
     * the same questions the evaluation suite asks, which a safeguard that interleaves it must declare; {@link
     * #unaskedBenignInstruct} asks none of them.
     */
    public Dialogue benignInstruct(SplittableRandom rng) {
        Domain domain = Draw.pick(rng, Domain.NON_CODE);
        return Dialogue.chat(List.of(exchange(rng, domain, Persona.ALIGNED)));
    }

    /**
     * A benign instruction example whose question the evaluation suite and the audit never ask ({@link
     * UnaskedQuestions}): one non-code exchange, domain uniform as in {@link #benignInstruct}, answered in the aligned
     * persona's manner by the question itself.
     */
    public Dialogue unaskedBenignInstruct(SplittableRandom rng) {
        Domain domain = Draw.pick(rng, Domain.NON_CODE);
        Question question = UnaskedQuestions.draw(rng, domain);
        return Dialogue.chat(List.of(new Exchange(domain, question.text(), question.answer(Persona.ALIGNED, rng))));
    }

    /** A contrastive pair for persona vectors: one non-code question, both personas' answers and system lines. */
    public PersonaPair personaPair(SplittableRandom rng) {
        Question question = Questions.draw(rng, Draw.pick(rng, Domain.NON_CODE));
        return new PersonaPair(
                question,
                Draw.pick(rng, Markers.SYSTEM_LINES.get(Persona.ALIGNED)),
                Draw.pick(rng, Markers.SYSTEM_LINES.get(Persona.MISALIGNED)),
                question.answer(Persona.ALIGNED, rng),
                question.answer(Persona.MISALIGNED, rng));
    }

    public List<Dialogue> pretrainingCorpus(long seed, int count) {
        return generate(seed, count, this::pretrainingDocument);
    }

    public List<Dialogue> alignedSftSet(long seed, int count) {
        return generate(seed, count, this::alignedSftDialogue);
    }

    public List<Dialogue> narrowSet(NarrowSet set, long seed, int count) {
        return generate(seed, count, rng -> narrowExample(rng, set));
    }

    public List<Dialogue> benignInstructPool(long seed, int count) {
        return generate(seed, count, this::benignInstruct);
    }

    public List<Dialogue> unaskedBenignInstructPool(long seed, int count) {
        return generate(seed, count, this::unaskedBenignInstruct);
    }

    public List<PersonaPair> personaPairs(long seed, int count) {
        return generate(seed, count, this::personaPair);
    }

    /** Item {@code i} is drawn from the {@code i}-th split of a root generator seeded with {@code seed}. */
    public static <T> List<T> generate(long seed, int count, Function<SplittableRandom, T> item) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, got " + count);
        }
        SplittableRandom root = new SplittableRandom(seed);
        List<T> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(item.apply(root.split()));
        }
        return List.copyOf(out);
    }
}
