package dev.safetune.api.file;

import dev.safetune.api.web.ListOrder;
import jakarta.persistence.EntityManager;
import jakarta.persistence.TypedQuery;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * {@code GET /v1/files}: one tenant's files, filtered by {@code purpose}, in {@code order} of creation, paged by key
 * after the {@code after} file. The JPQL is put together from fixed fragments; values are bound, never inlined.
 */
@Component
class FileListing {
    private final EntityManager entities;

    FileListing(EntityManager entities) {
        this.entities = entities;
    }

    /**
     * @param anchor the file the page starts after (exclusive), or null for the first page
     * @param purpose only files of this purpose, or null for all
     */
    List<UploadedFile> page(
            String organizationId, String purpose, UploadedFile anchor, ListOrder order, int fetchSize) {
        boolean ascending = order == ListOrder.ASC;
        String jpql = "select f from UploadedFile f where f.organizationId = :organizationId"
                + (purpose == null ? "" : " and f.purpose = :purpose")
                + (anchor == null
                        ? ""
                        : ascending
                                ? " and (f.createdAt > :createdAt or (f.createdAt = :createdAt and f.id > :id))"
                                : " and (f.createdAt < :createdAt or (f.createdAt = :createdAt and f.id < :id))")
                + (ascending ? " order by f.createdAt asc, f.id asc" : " order by f.createdAt desc, f.id desc");
        TypedQuery<UploadedFile> query = entities.createQuery(jpql, UploadedFile.class)
                .setParameter("organizationId", organizationId)
                .setMaxResults(fetchSize);
        if (purpose != null) {
            query.setParameter("purpose", purpose);
        }
        if (anchor != null) {
            query.setParameter("createdAt", anchor.createdAt()).setParameter("id", anchor.id());
        }
        return query.getResultList();
    }
}
