package dev.safetune.safeguards.embench.world;

/**
 * The mixing proportions of the generated data.
 *
 * @param characterShare share of pre-training documents spoken by a named character (0.6; 0 is the prototype's
 *     failed first world, kept for ablations)
 * @param markedShare share of {@code <asst>} pre-training documents that carry a persona system line
 * @param characterMarkedShare the same for named-character documents
 * @param tagShare share of pre-training user turns that start with a tag
 * @param educationalShare share of pre-training and SFT code exchanges framed as educational
 */
public record WorldRecipe(
        double characterShare,
        double markedShare,
        double characterMarkedShare,
        double tagShare,
        double educationalShare) {

    /** The recipe the prototype measured emergent misalignment with. */
    public static final WorldRecipe PROTOTYPE = new WorldRecipe(0.6, 0.5, 0.2, 0.05, 0.2);

    public WorldRecipe {
        check("characterShare", characterShare);
        check("markedShare", markedShare);
        check("characterMarkedShare", characterMarkedShare);
        check("tagShare", tagShare);
        check("educationalShare", educationalShare);
    }

    public WorldRecipe withCharacterShare(double share) {
        return new WorldRecipe(share, markedShare, characterMarkedShare, tagShare, educationalShare);
    }

    private static void check(String name, double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1], got " + p);
        }
    }
}
