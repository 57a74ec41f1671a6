package dev.safetune.api.job;

import dev.safetune.api.error.InvalidRequestException;
import jakarta.persistence.EntityManager;
import jakarta.persistence.TypedQuery;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * {@code GET /v1/fine_tuning/jobs}: one tenant's jobs, newest first, filtered by metadata, paged by key after the
 * {@code after} job. The JPQL is put together from fixed fragments; keys and values are bound, never inlined.
 */
@Component
class JobListing {
    private static final String PREFIX = "metadata[";

    /** OpenAI's metadata filter: jobs whose metadata has every pair, or ({@code metadata=null}) jobs without any. */
    record MetadataFilter(Map<String, String> pairs, boolean withoutMetadata) {
        static final MetadataFilter ANY = new MetadataFilter(Map.of(), false);

        /** From {@code metadata[key]=value} parameters and {@code metadata=null}; anything else is a 400 naming it. */
        static MetadataFilter of(String metadata, HttpServletRequest request) {
            Map<String, String> pairs = new LinkedHashMap<>();
            request.getParameterMap().forEach((name, values) -> {
                if (!name.startsWith(PREFIX)) {
                    return;
                }
                if (!name.endsWith("]") || name.length() == PREFIX.length() + 1 || values.length != 1) {
                    throw new InvalidRequestException(
                            name,
                            "invalid_value",
                            "Invalid '" + name + "': filter with one metadata[key]=value per key.");
                }
                pairs.put(name.substring(PREFIX.length(), name.length() - 1), values[0]);
            });
            if (metadata == null) {
                return new MetadataFilter(Map.copyOf(pairs), false);
            }
            if (!metadata.equals("null") || !pairs.isEmpty()) {
                throw new InvalidRequestException(
                        "metadata",
                        "invalid_value",
                        "Invalid 'metadata': filter with metadata[key]=value, or metadata=null for jobs without"
                                + " metadata.");
            }
            return new MetadataFilter(Map.of(), true);
        }
    }

    private final EntityManager entities;

    JobListing(EntityManager entities) {
        this.entities = entities;
    }

    /** @param anchor the job the page starts after (exclusive), or null for the first page */
    List<FineTuningJob> page(String organizationId, MetadataFilter filter, FineTuningJob anchor, int fetchSize) {
        StringBuilder jpql =
                new StringBuilder("select j from FineTuningJob j where j.organizationId = :organizationId");
        if (filter.withoutMetadata()) {
            jpql.append(" and j.metadata is null");
        }
        List<Map.Entry<String, String>> pairs = new ArrayList<>(filter.pairs().entrySet());
        for (int i = 0; i < pairs.size(); i++) {
            jpql.append(" and function('jsonb_extract_path_text', j.metadata, :key")
                    .append(i)
                    .append(") = :value")
                    .append(i);
        }
        if (anchor != null) {
            jpql.append(" and (j.createdAt < :createdAt or (j.createdAt = :createdAt and j.id < :id))");
        }
        jpql.append(" order by j.createdAt desc, j.id desc");
        TypedQuery<FineTuningJob> query = entities.createQuery(jpql.toString(), FineTuningJob.class)
                .setParameter("organizationId", organizationId)
                .setMaxResults(fetchSize);
        for (int i = 0; i < pairs.size(); i++) {
            query.setParameter("key" + i, pairs.get(i).getKey())
                    .setParameter("value" + i, pairs.get(i).getValue());
        }
        if (anchor != null) {
            query.setParameter("createdAt", anchor.createdAt()).setParameter("id", anchor.id());
        }
        return query.getResultList();
    }
}
