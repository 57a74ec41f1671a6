package dev.safetune.api.webhook;

import dev.safetune.api.auth.Tenant;
import dev.safetune.api.web.ListObject;
import dev.safetune.api.web.PageLimit;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/v1/webhooks")
class WebhookController {
    private static final int MAX_PAGE = 100;

    private final WebhookService webhooks;

    WebhookController(WebhookService webhooks) {
        this.webhooks = webhooks;
    }

    @PostMapping
    WebhookObject create(Tenant tenant, @RequestBody CreateWebhookRequest request) {
        return webhooks.create(tenant, request);
    }

    @GetMapping
    ListObject<WebhookObject> list(Tenant tenant) {
        return webhooks.list(tenant);
    }

    @GetMapping("/{id}")
    WebhookObject get(Tenant tenant, @PathVariable String id) {
        return webhooks.get(tenant, id);
    }

    @DeleteMapping("/{id}")
    WebhookDeleted delete(Tenant tenant, @PathVariable String id) {
        return webhooks.delete(tenant, id);
    }

    @GetMapping("/{id}/deliveries")
    ListObject<DeliveryObject> deliveries(
            Tenant tenant,
            @PathVariable String id,
            @RequestParam(required = false) String after,
            @RequestParam(required = false) Integer limit) {
        return webhooks.deliveries(tenant, id, after, PageLimit.of(limit, 20, MAX_PAGE));
    }
}
