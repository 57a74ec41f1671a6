package dev.safetune.api.auth;

import java.util.List;
import java.util.Optional;
import org.springframework.data.repository.Repository;

interface OrganizationRepository extends Repository<Organization, String> {
    Organization save(Organization organization);

    Optional<Organization> findById(String id);

    List<Organization> findAllByOrderByCreatedAtDescIdDesc();
}
