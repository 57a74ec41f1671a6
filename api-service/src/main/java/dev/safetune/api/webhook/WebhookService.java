package dev.safetune.api.webhook;

import dev.safetune.api.auth.Tenant;
import dev.safetune.api.error.InvalidRequestException;
import dev.safetune.api.error.NotFoundException;
import dev.safetune.api.web.ListObject;
import dev.safetune.api.web.PageLimit;
import dev.safetune.core.id.Ids;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * (+) Tenants' webhook endpoints. Registering one is all it takes: the database trigger on job status changes queues
 * deliveries for every endpoint of the job's organisation, and {@link WebhookDispatcher} sends them.
 */
@Service
public class WebhookService {
    static final int MAX_ENDPOINTS = 20;
    static final int MAX_URL_LENGTH = 2048;
    /** 32 base-62 characters: about 190 bits. */
    private static final int SECRET_LENGTH = 32;

    private final WebhookEndpoints endpoints;
    private final DestinationPolicy destinations;

    WebhookService(WebhookEndpoints endpoints, DestinationPolicy destinations) {
        this.endpoints = endpoints;
        this.destinations = destinations;
    }

    /** Registers an endpoint; the returned object holds the signing secret, which is never shown again. */
    @Transactional
    public WebhookObject create(Tenant tenant, CreateWebhookRequest request) {
        URI url = validUrl(request.url());
        List<String> events = validEvents(request.events());
        if (endpoints.countByOrganizationId(tenant.organizationId()) >= MAX_ENDPOINTS) {
            throw new InvalidRequestException(
                    null,
                    "too_many_webhooks",
                    "An organization can have at most " + MAX_ENDPOINTS + " webhook endpoints; delete one first.");
        }
        String id = Ids.newId("wh");
        String secret = "whsec_" + Ids.randomToken(SECRET_LENGTH);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        endpoints.insert(id, tenant.organizationId(), url.toString(), events, secret, now);
        return new WebhookObject(id, WebhookObject.OBJECT, url.toString(), events, now.getEpochSecond(), secret);
    }

    @Transactional(readOnly = true)
    public ListObject<WebhookObject> list(Tenant tenant) {
        return ListObject.of(endpoints.findByOrganizationId(tenant.organizationId()));
    }

    @Transactional(readOnly = true)
    public WebhookObject get(Tenant tenant, String id) {
        return endpoints.findByIdAndOrganizationId(id, tenant.organizationId()).orElseThrow(() -> notFound(id));
    }

    @Transactional
    public WebhookDeleted delete(Tenant tenant, String id) {
        if (!endpoints.deleteByIdAndOrganizationId(id, tenant.organizationId())) {
            throw notFound(id);
        }
        return new WebhookDeleted(id, WebhookObject.OBJECT, true);
    }

    @Transactional(readOnly = true)
    public ListObject<DeliveryObject> deliveries(Tenant tenant, String id, String after, PageLimit limit) {
        WebhookObject endpoint = get(tenant, id);
        return ListObject.page(
                endpoints.deliveries(endpoint.id(), tenant.organizationId(), after, limit.fetchSize()),
                limit,
                delivery -> delivery);
    }

    private URI validUrl(String url) {
        if (url == null || url.isBlank()) {
            throw InvalidRequestException.missing("url");
        }
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw invalidUrl("it is not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw invalidUrl("it must be an http or https URL");
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            throw invalidUrl("it must name a host, without user info or fragment");
        }
        if (url.length() > MAX_URL_LENGTH) {
            throw invalidUrl("it is longer than " + MAX_URL_LENGTH + " characters");
        }
        // A name that does not resolve yet is accepted: its DNS may be set up after the endpoint is registered.
        if (destinations.check(uri) instanceof DestinationPolicy.Destination.Refused refused) {
            throw invalidUrl(refused.reason());
        }
        return uri;
    }

    private static List<String> validEvents(List<String> events) {
        if (events == null) {
            return null;
        }
        if (events.isEmpty()) {
            throw new InvalidRequestException(
                    "events", "invalid_value", "Invalid 'events': leave it out to receive every event, or name some.");
        }
        for (String event : events) {
            if (!WebhookEventTypes.ALL.contains(event)) {
                throw new InvalidRequestException(
                        "events",
                        "invalid_value",
                        "Invalid 'events': '" + event + "' is not one of " + String.join(", ", WebhookEventTypes.ALL)
                                + ".");
            }
        }
        return List.copyOf(new LinkedHashSet<>(events));
    }

    private static InvalidRequestException invalidUrl(String why) {
        return new InvalidRequestException("url", "invalid_url", "Invalid 'url': " + why + ".");
    }

    private static NotFoundException notFound(String id) {
        return new NotFoundException("id", "No such webhook endpoint: " + id);
    }
}
