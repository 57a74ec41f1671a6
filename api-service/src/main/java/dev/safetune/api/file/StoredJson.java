package dev.safetune.api.file;

import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * The mapper of the reports this package stores as jsonb (validation and screen reports): its own, so the stored shape
 * does not change with the HTTP mapper's settings, and one, so both reports are written the same way.
 */
final class StoredJson {
    static final JsonMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .build();

    private StoredJson() {}
}
