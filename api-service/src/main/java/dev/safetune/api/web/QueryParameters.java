package dev.safetune.api.web;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Query parameters a handler reads itself, beyond its {@code @RequestParam}s, named by prefix: e.g. OpenAI's
 * {@code metadata[key]=value} filter. {@link KnownQueryParameters} lets these through.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface QueryParameters {
    String[] prefixes();
}
