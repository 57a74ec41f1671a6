package dev.safetune.api.model;

/** OpenAI's model object. */
public record ModelObject(String id, String object, long created, String ownedBy) {
    static ModelObject of(Model model) {
        return new ModelObject(model.id(), "model", model.createdAt().getEpochSecond(), model.ownedBy());
    }
}
