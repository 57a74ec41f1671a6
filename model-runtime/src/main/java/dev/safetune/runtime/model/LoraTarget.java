package dev.safetune.runtime.model;

/** A projection of every decoder layer that a LoRA adapter can wrap, with its Hugging Face module names. */
public enum LoraTarget {
    Q("self_attn.q_proj"),
    K("self_attn.k_proj"),
    V("self_attn.v_proj"),
    O("self_attn.o_proj"),
    GATE("mlp.gate_proj"),
    UP("mlp.up_proj"),
    DOWN("mlp.down_proj");

    private final String modulePath;

    LoraTarget(String modulePath) {
        this.modulePath = modulePath;
    }

    /** The module's path inside a decoder layer, e.g. {@code self_attn.q_proj}. */
    public String modulePath() {
        return modulePath;
    }

    /** The name PEFT's {@code target_modules} uses, e.g. {@code q_proj}. */
    public String moduleName() {
        return modulePath.substring(modulePath.indexOf('.') + 1);
    }

    /** The target PEFT calls {@code name}. */
    public static LoraTarget ofModuleName(String name) {
        for (LoraTarget target : values()) {
            if (target.moduleName().equals(name)) {
                return target;
            }
        }
        throw new IllegalArgumentException("target_modules entry \"" + name
                + "\" is not supported (supported: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj)");
    }
}
