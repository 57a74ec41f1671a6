package dev.safetune.api.model;

import java.util.List;
import java.util.Optional;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.Repository;

/** A tenant sees the platform's base models and its own fine-tuned models, never another tenant's. */
interface ModelRepository extends Repository<Model, String> {
    @Query("""
            select m from Model m
            where m.organizationId is null or m.organizationId = :organizationId
            order by m.kind, m.createdAt, m.id""")
    List<Model> findAllVisibleToOrganizationId(String organizationId);

    @Query("""
            select m from Model m
            where m.id = :id and (m.organizationId is null or m.organizationId = :organizationId)""")
    Optional<Model> findByIdVisibleToOrganizationId(String id, String organizationId);
}
