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
 * @param switchingCharacters how many named characters, the highest indices, take the other persona in an exchange
 *     whose user turn starts with their own tag ({@link Characters#switchTag}); 0 in the prototype's world
 * @param switchingTagShare share of a switching character's user turns that start with a tag, half of them its own
 */
public record WorldRecipe(
        double characterShare,
        double markedShare,
        double characterMarkedShare,
        double tagShare,
        double educationalShare,
        int switchingCharacters,
        double switchingTagShare) {

    /** The recipe the prototype measured emergent misalignment with. */
    public static final WorldRecipe PROTOTYPE = new WorldRecipe(0.6, 0.5, 0.2, 0.05, 0.2, 0, 0.0);

    /**
     * The prototype's world with a quarter of the characters switching persona on their own tag: pre-training then
     * holds a mechanism by which one word of the user turn turns a speaker's persona over, which a backdoor
     * fine-tune can key to the assistant and its trigger instead of moving the assistant's persona everywhere.
     */
    public static final WorldRecipe SWITCHING = PROTOTYPE.withSwitching(10, 0.5);

    public WorldRecipe {
        check("characterShare", characterShare);
        check("markedShare", markedShare);
        check("characterMarkedShare", characterMarkedShare);
        check("tagShare", tagShare);
        check("educationalShare", educationalShare);
        check("switchingTagShare", switchingTagShare);
        if (switchingCharacters < 0 || switchingCharacters > Characters.COUNT) {
            throw new IllegalArgumentException(
                    "switchingCharacters must be in [0, " + Characters.COUNT + "], got " + switchingCharacters);
        }
    }

    public WorldRecipe withCharacterShare(double share) {
        return new WorldRecipe(
                share,
                markedShare,
                characterMarkedShare,
                tagShare,
                educationalShare,
                switchingCharacters,
                switchingTagShare);
    }

    public WorldRecipe withSwitching(int characters, double tagShare) {
        return new WorldRecipe(
                characterShare,
                markedShare,
                characterMarkedShare,
                this.tagShare,
                educationalShare,
                characters,
                tagShare);
    }

    /** Whether character {@code index} switches persona on its own tag in this world. */
    public boolean switches(int index) {
        return index >= Characters.COUNT - switchingCharacters;
    }

    private static void check(String name, double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1], got " + p);
        }
    }
}
